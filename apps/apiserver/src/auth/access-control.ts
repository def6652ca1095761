/**
 * Authentication then authorization, for one API call: who is asking (authenticator.ts) and
 * whether they may (authorizer.ts). Handlers call `check` before touching the registry.
 */
import { KINDS, type Kind } from '@minimesh/api';
import type { CallContext } from '@minimesh/grpc-kit';
import type { Authenticator } from './authenticator.js';
import type { RequestAuthorizer } from './authorizer.js';
import { attributesOf, type BODY_NOT_READ, type Verb } from './request-attributes.js';
import type { UserInfo } from './user-info.js';

export class AccessControl {
  constructor(
    readonly authenticator: Authenticator,
    readonly authorizer: RequestAuthorizer,
  ) {}

  /**
   * The caller, once allowed to `verb` the object (or collection) named; throws 401 or 403 otherwise.
   * A create gives the written object's name as `objectName` once it is known (admission checks it).
   */
  check(call: CallContext, verb: Verb, kind: Kind, namespace: string, name = '', subresource = '', objectName?: string | typeof BODY_NOT_READ): UserInfo {
    const user = this.authenticator.authenticate(call);
    // A namespaced object written without a namespace lands in "default" (the registry's rule).
    const ns = KINDS[kind].namespaced && namespace === '' && verb === 'create' ? 'default' : namespace;
    this.authorizer.authorize(attributesOf(user, verb, kind, ns, name, subresource, objectName));
    return user;
  }
}
