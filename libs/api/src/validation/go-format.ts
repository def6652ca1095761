/**
 * The few Go `%#v` / Stringer renderings Kubernetes prints as bad values: structs used as
 * duplicate keys, slices of structs, and metav1.Time.
 */
import { GoValue, goQuote } from '../errors/field-error.js';

/** `core.ServicePort{...}` with only Protocol and Port set: the key of the duplicate-port check. */
export function goServicePortKey(protocol: string, port: number): GoValue {
  return new GoValue(
    `core.ServicePort{Name:"", Protocol:${goQuote(protocol)}, AppProtocol:(*string)(nil), Port:${port}, ` +
      'TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}',
  );
}

/** `core.NodeAddress{Type:"InternalIP", Address:"10.0.0.1"}`. */
export function goNodeAddress(type: string, address: string): GoValue {
  return new GoValue(`core.NodeAddress{Type:${goQuote(type)}, Address:${goQuote(address)}}`);
}

function podIP(ip: string): string {
  return `core.PodIP{IP:${goQuote(ip)}}`;
}

/** `core.PodIP{IP:"10.0.0.1"}`. */
export function goPodIP(ip: string): GoValue {
  return new GoValue(podIP(ip));
}

/** `[]core.PodIP{core.PodIP{IP:"..."}, ...}`. */
export function goPodIPs(ips: readonly string[]): GoValue {
  return new GoValue(`[]core.PodIP{${ips.map(podIP).join(', ')}}`);
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/**
 * metav1.Time as Go's time.Time.String() prints it in UTC (`2024-01-02 03:04:05 +0000 UTC`);
 * the zero time when absent. A value that is not a timestamp is printed quoted, as given.
 */
export function goTime(value: string | undefined): GoValue {
  if (!value) return new GoValue('0001-01-01 00:00:00 +0000 UTC');
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) return new GoValue(goQuote(value));
  const d = new Date(ms);
  return new GoValue(
    `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ` +
      `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000 UTC`,
  );
}

/** Two timestamps are the same instant at second precision (apiequality.Semantic on metav1.Time). */
export function sameTime(a: string | undefined, b: string | undefined): boolean {
  if ((a ?? '') === (b ?? '')) return true;
  const x = Date.parse(a ?? '');
  const y = Date.parse(b ?? '');
  return !Number.isNaN(x) && !Number.isNaN(y) && Math.floor(x / 1000) === Math.floor(y / 1000);
}

/**
 * A Go slice as %#v prints it: `[]string{"a", "b"}`, `[]core.IPFamily{"IPv4"}`, and
 * `[]string(nil)` when the field is absent (a nil slice) rather than empty.
 */
export function goStringSlice(raw: unknown, elemType = 'string'): GoValue {
  if (!Array.isArray(raw)) return new GoValue(`[]${elemType}(nil)`);
  return new GoValue(`[]${elemType}{${raw.map((x) => goQuote(typeof x === 'string' ? x : '')).join(', ')}}`);
}
