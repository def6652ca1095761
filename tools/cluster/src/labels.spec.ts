import { describe, expect, it } from 'vitest';
import { applyLabelArgs, parseLabelList } from './labels.js';

describe('parseLabelList', () => {
  it.each([
    ['', {}],
    ['app=nginx-pod', { app: 'nginx-pod' }],
    ['app=web, tier=front', { app: 'web', tier: 'front' }],
    ['empty=', { empty: '' }],
  ])('%j', (text, want) => {
    expect(parseLabelList(text)).toEqual(want);
  });

  it.each(['app', '=x', 'a=b,c'])('refuses %j', (text) => {
    expect(() => parseLabelList(text)).toThrow(/expected key=value/);
  });
});

describe('applyLabelArgs (kubectl label)', () => {
  const current = { app: 'web', tier: 'front' };
  it.each([
    { args: ['env=prod'], overwrite: false, labels: { app: 'web', tier: 'front', env: 'prod' }, changed: true },
    { args: ['tier-'], overwrite: false, labels: { app: 'web' }, changed: true },
    { args: ['app=web'], overwrite: false, labels: current, changed: false },
    { args: ['app=api'], overwrite: true, labels: { app: 'api', tier: 'front' }, changed: true },
    { args: ['app=api', 'tier-', 'x=1'], overwrite: true, labels: { app: 'api', x: '1' }, changed: true },
  ])('$args (overwrite $overwrite)', ({ args, overwrite, labels, changed }) => {
    const r = applyLabelArgs(current, args, overwrite);
    expect(r.labels).toEqual(labels);
    expect(r.changed).toBe(changed);
    expect(r.warnings).toEqual([]);
  });

  it('needs --overwrite to change a value', () => {
    expect(() => applyLabelArgs(current, ['app=api'], false)).toThrow("'app' already has a value (web), and --overwrite is false");
  });

  it('warns about removing a missing label', () => {
    expect(applyLabelArgs(current, ['nope-'], false)).toEqual({ labels: current, changed: false, warnings: ['label "nope" not found.'] });
  });

  it.each([
    [[], /at least one label update/],
    [['bad'], /expected key=value or key-/],
    [['a=1', 'a-'], /can not both modify and remove/],
  ])('refuses %j', (args, err) => {
    expect(() => applyLabelArgs(current, args, false)).toThrow(err);
  });
});
