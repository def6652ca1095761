/**
 * EndpointSlice names: `<service>-<5 random characters>`, as the apiserver's generateName
 * (SimpleNameGenerator) makes them. Injectable so tests and callers can be deterministic.
 */

/** Makes a full object name from a generateName prefix. */
export type NameGenerator = (prefix: string) => string;

/** utilrand's alphabet: no vowels (no words) and no confusable characters. */
const ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';
const RANDOM_LENGTH = 5;
const MAX_NAME_LENGTH = 63;

/** getEndpointSlicePrefix: the Service (or Endpoints) name and a dash. */
export function sliceNamePrefix(name: string): string {
  return `${name}-`;
}

/** SimpleNameGenerator: prefix (cut to 58 characters) plus 5 random characters. */
export function randomNameGenerator(random: () => number = Math.random): NameGenerator {
  return (prefix) => {
    let suffix = '';
    for (let i = 0; i < RANDOM_LENGTH; i++) suffix += ALPHANUMS[Math.floor(random() * ALPHANUMS.length) % ALPHANUMS.length];
    return prefix.slice(0, MAX_NAME_LENGTH - RANDOM_LENGTH) + suffix;
  };
}
