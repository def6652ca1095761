import { AlreadyExistsError, ConflictError, field, InvalidError, NotFoundError, UnavailableError } from '@minimesh/api';
import { describe, expect, it } from 'vitest';
import { addSourceToErr, CliError, ErrorList, formatError, StatusError } from './errors.js';

describe('formatError (kubectl checkErr)', () => {
  it('prints API errors as "Error from server (Reason): message"', () => {
    expect(formatError(new NotFoundError('Service', 'x'))).toBe('Error from server (NotFound): services "x" not found\n');
    expect(formatError(addSourceToErr('creating', 'svc.yaml', new AlreadyExistsError('Service', 'x')))).toBe(
      'Error from server (AlreadyExists): error when creating "svc.yaml": services "x" already exists\n',
    );
    expect(formatError(new ConflictError('Service', 'x'))).toBe(
      'Error from server (Conflict): Operation cannot be fulfilled on services "x": the object has been modified; please apply your changes to the latest version and try again\n',
    );
    expect(formatError(new StatusError({ code: 500, reason: '', message: 'boom' }))).toBe('Error from server: boom\n');
  });

  it('prints one validation cause on the "is invalid" line', () => {
    const err = new InvalidError('Service', 'x', [
      field.invalid('spec.ports[0].nodePort', 80, 'provided port is not in the valid range. The range of valid ports is 30000-32767'),
    ]);
    expect(formatError(err)).toBe(
      'The Service "x" is invalid: spec.ports[0].nodePort: Invalid value: 80: provided port is not in the valid range. The range of valid ports is 30000-32767\n',
    );
    // The source is not shown: kubectl prints the details, not the re-worded message.
    expect(formatError(addSourceToErr('creating', 'svc.yaml', err))).toBe(formatError(err));
  });

  it('prints several causes one per line after "is invalid: "', () => {
    const err = new InvalidError('Service', 'x', [
      field.required('spec.ports'),
      field.notSupported('spec.type', 'Foo', ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort']),
    ]);
    expect(formatError(err)).toBe(
      'The Service "x" is invalid: \n' +
        '* spec.ports: Required value\n' +
        '* spec.type: Unsupported value: "Foo": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"\n',
    );
  });

  it('prefixes other errors with "error: " and adds the hint', () => {
    expect(formatError(new CliError('the server doesn\'t have a resource type "foo"'))).toBe('error: the server doesn\'t have a resource type "foo"\n');
    expect(formatError(new CliError('unknown flag: --x', "See 'meshctl get --help' for usage."))).toBe(
      "error: unknown flag: --x\nSee 'meshctl get --help' for usage.\n",
    );
    expect(formatError(new Error('error: already prefixed'))).toBe('error: already prefixed\n');
  });

  it('prints several errors one per line, unwrapping a list of one', () => {
    expect(formatError(new ErrorList([new CliError('only one')]))).toBe('error: only one\n');
    expect(formatError(new ErrorList([new CliError('mapping failed'), new NotFoundError('Service', 'y')]))).toBe(
      'mapping failed\nError from server (NotFound): services "y" not found\n',
    );
  });

  it('reports an unreachable apiserver like kubectl does', () => {
    const err = new UnavailableError('the server is unavailable: No connection established. Last error: connect ECONNREFUSED 127.0.0.1:6443');
    expect(formatError(err, { server: '127.0.0.1:6443' })).toBe(
      'The connection to the server 127.0.0.1:6443 was refused - did you specify the right host or port?\n',
    );
  });
});
