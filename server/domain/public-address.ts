/**
 * Whether the address in QR codes and posters (PUBLIC_BASE_URL) can be reached by residents'
 * phones. Pure: the caller passes the host the admin is browsing from and any LAN addresses.
 */
export type PublicAddressProblem =
  /** PUBLIC_BASE_URL is unset (it defaults to http://localhost:PORT) or names this machine only. */
  | { kind: 'loopback'; url: string; suggestion: string | null }
  /** The admin reaches the app at another address than the one printed on posters. */
  | { kind: 'other-host'; url: string; here: string; suggestion: string };

/** localhost, 127.0.0.0/8, ::1, 0.0.0.0 and *.localhost: names that only reach the machine itself. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h.endsWith('.localhost') || h === '::1' || h === '0.0.0.0' || h === '::' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

function hostnameOf(host: string): string {
  return host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0]!;
}

/**
 * @param publicBaseUrl the configured PUBLIC_BASE_URL
 * @param browsing the origin the admin uses now (e.g. http://192.168.1.20:3000), or null
 * @param lanOrigins this machine's LAN origins (http://<IPv4>:<port>), best first
 */
export function publicAddressProblem(publicBaseUrl: string, browsing: string | null, lanOrigins: readonly string[]): PublicAddressProblem | null {
  let base: URL;
  try {
    base = new URL(publicBaseUrl);
  } catch {
    return { kind: 'loopback', url: publicBaseUrl, suggestion: lanOrigins[0] ?? null };
  }
  let here: URL | null;
  try {
    here = browsing ? new URL(browsing) : null;
  } catch {
    here = null;
  }
  const hereReachable = here && !isLoopbackHost(hostnameOf(here.host)) ? here.origin : null;
  if (isLoopbackHost(base.hostname)) return { kind: 'loopback', url: base.origin, suggestion: hereReachable ?? lanOrigins[0] ?? null };
  if (hereReachable && here!.host.toLowerCase() !== base.host.toLowerCase()) {
    return { kind: 'other-host', url: base.origin, here: here!.origin, suggestion: here!.origin };
  }
  return null;
}
