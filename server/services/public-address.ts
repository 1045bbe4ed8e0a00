import os from 'node:os';
import { publicAddressProblem, type PublicAddressProblem } from '../domain/public-address';
import type { Deps } from './context';

/** This machine's LAN addresses as origins on the app's port (what phones on the same network could open). */
export function lanOrigins(port: number): string[] {
  return Object.values(os.networkInterfaces())
    .flat()
    .filter((a) => a && a.family === 'IPv4' && !a.internal)
    .map((a) => `http://${a!.address}:${port}`);
}

/** Whether the QR codes and posters made now would lead phones nowhere, and what to set instead. */
export function checkPublicAddress(deps: Pick<Deps, 'config'>, browsingOrigin: string | null): PublicAddressProblem | null {
  return publicAddressProblem(deps.config.publicBaseUrl, browsingOrigin, lanOrigins(deps.config.port));
}
