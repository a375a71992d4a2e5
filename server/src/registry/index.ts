/** The registry client's public API: resolve image tags to digests. */
export { RegistryClient } from './client';
export type { RegistryClientOptions, ResolveOptions, Resolved, RegistryStats } from './client';
export { RegistryError } from './errors';
export type { RegistryErrorCode } from './errors';
export type { RegistryHostConfig } from './hosts';
