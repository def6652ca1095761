/** Authentication and authorization of API calls, assembled from the apiserver's flags. */
import type { Logger } from '@minimesh/runtime';
import { AlreadyExistsError, pushAll, stableStringify, type KubeObject } from '@minimesh/api';
import type { Registry } from '../registry/registry.js';
import { AccessControl } from './access-control.js';
import { Authenticator } from './authenticator.js';
import { RequestAuthorizer, parseAuthorizationModes } from './authorizer.js';
import { AUTOUPDATE_ANNOTATION, bootstrapPolicy } from './bootstrap-policy.js';
import { ReloadingTokenFile } from './token-file.js';

export interface AccessOptions {
  'authorization-mode': string;
  'anonymous-auth': boolean;
  'token-auth-file': string;
}

const RBAC_KINDS = ['Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding'] as const;

/**
 * Reads the token file, writes the default roles and bindings (RBAC modes), loads every RBAC
 * object and follows later changes. The authorizer is fed before the first request is served.
 */
export async function setUpAccessControl(o: AccessOptions, registry: Registry, log: Logger): Promise<AccessControl> {
  const tokens = o['token-auth-file'] ? new ReloadingTokenFile(o['token-auth-file'], (e) => log.error('the token file no longer reads; keeping its last tokens', { err: e.message })) : undefined;
  const authorizer = new RequestAuthorizer(parseAuthorizationModes(o['authorization-mode']));
  registry.onCommit((events) => authorizer.observe(events));
  if (!authorizer.alwaysAllow) await reconcileBootstrapPolicy(registry, log);
  const objects: KubeObject[] = [];
  for (const kind of RBAC_KINDS) pushAll(objects, (await registry.list(kind)).items);
  authorizer.load(objects);
  log.debug('access control', { authorization: o['authorization-mode'], anonymous: o['anonymous-auth'], tokens: tokens?.size ?? 0 });
  return new AccessControl(new Authenticator({ tokens, anonymous: o['anonymous-auth'] }), authorizer);
}

/** Creates the defaults that are missing; puts back those marked autoupdate "true" that were changed. */
async function reconcileBootstrapPolicy(registry: Registry, log: Logger): Promise<void> {
  for (const want of bootstrapPolicy()) {
    const ns = want.metadata.namespace ?? '';
    const name = want.metadata.name ?? '';
    const have = await registry.get(want.kind, ns, name).catch(() => undefined);
    if (!have) {
      await registry.create(want).catch((e: unknown) => {
        if (!(e instanceof AlreadyExistsError)) throw e;
      });
      continue;
    }
    if (have.metadata.annotations?.[AUTOUPDATE_ANNOTATION] !== 'true') continue;
    const { metadata: _m, ...wantBody } = want;
    const { metadata: _h, ...haveBody } = have;
    if (stableStringify(wantBody) === stableStringify(haveBody)) continue;
    log.info('putting back a default RBAC object', { kind: want.kind, namespace: ns, name });
    await registry.update({ ...want, metadata: { ...have.metadata, ...want.metadata } } as typeof want);
  }
}

export { AccessControl } from './access-control.js';
export { TokenFile } from './token-file.js';
