import { describe, expect, it } from 'vitest';
import { formatFieldError } from '../errors/field-error.js';
import { validateConditions } from './conditions.js';

const ok = { type: 'example.com/Ready', status: 'True', lastTransitionTime: '2024-05-01T12:00:00Z', reason: 'AllGood', message: '' };
const messages = (c: unknown) => validateConditions(c, 'status.conditions').map(formatFieldError);

describe('metav1.Condition lists', () => {
  it('accepts well-formed conditions', () => {
    expect(messages([ok, { ...ok, type: 'Degraded', status: 'Unknown', reason: 'A:B,C_d', observedGeneration: 3 }])).toEqual([]);
  });

  it('reports every problem, in apimachinery’s words', () => {
    expect(messages([{ type: 'bad type', status: 'Maybe', observedGeneration: -1, reason: '9lives' }, ok, ok])).toEqual([
      "status.conditions[0].type: Invalid value: \"bad type\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
      'status.conditions[0].status: Unsupported value: "Maybe": supported values: "False", "True", "Unknown"',
      'status.conditions[0].observedGeneration: Invalid value: -1: must be greater than or equal to zero',
      'status.conditions[0].lastTransitionTime: Required value: must be set',
      "status.conditions[0].reason: Invalid value: \"9lives\": a condition reason must start with alphabetic character, optionally followed by a string of alphanumeric characters or '_,:', and must end with an alphanumeric character or '_' (e.g. 'my_name',  or 'MY_NAME',  or 'MyName',  or 'ReasonA,ReasonB',  or 'ReasonA:ReasonB', regex used for validation is '[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?')",
      'status.conditions[2].type: Duplicate value: "example.com/Ready"',
    ]);
    expect(messages([{ ...ok, reason: '' }])).toEqual(['status.conditions[0].reason: Required value: must be set']);
  });
});
