// What an upstream team installs: the manifest of a published lib, derived from its workspace
// package.json and from what its built files actually import — so a dependency can be neither forgotten
// nor left over. Pure: the caller reads the files.
import { builtinModules } from 'node:module';

/** Packages the caller hands objects of to the lib (a MongoClient, a kafkajs Producer): the app's own copy. */
const PEERS = new Set(['mongodb', 'kafkajs']);

export interface WorkspaceManifest {
  readonly name: string;
  readonly version: string;
  readonly description?: string;
}

export interface RootManifest {
  readonly license?: string;
  readonly engines?: Record<string, string>;
  readonly dependencies?: Record<string, string>;
}

/** The package a module specifier names, or undefined for relative paths and Node built-ins. */
export function packageOfSpecifier(specifier: string): string | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('/')) return undefined;
  if (specifier.startsWith('node:') || builtinModules.includes(specifier.split('/')[0]!)) return undefined;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** Module specifiers in built JavaScript (require) and declarations (import … from, import("…")). */
export function specifiersIn(code: string): string[] {
  const found: string[] = [];
  for (const m of code.matchAll(
    /\brequire\("([^"]+)"\)|\bfrom ["']([^"']+)["']|\bimport\(["']([^"']+)["']\)/g,
  ))
    found.push((m[1] ?? m[2] ?? m[3])!);
  return found;
}

export function publishedManifest(
  lib: WorkspaceManifest,
  specifiers: readonly string[],
  root: RootManifest,
  workspaceVersions: ReadonlyMap<string, string>,
): Record<string, unknown> {
  const dependencies: Record<string, string> = {};
  const peerDependencies: Record<string, string> = {};
  const used = new Set(specifiers.map(packageOfSpecifier).filter((p): p is string => p !== undefined));
  for (const pkg of [...used].sort()) {
    if (pkg === lib.name) continue;
    const own = workspaceVersions.get(pkg);
    const pinned = root.dependencies?.[pkg];
    if (own !== undefined) dependencies[pkg] = own;
    else if (pinned === undefined)
      throw new Error(`${lib.name} imports '${pkg}', which the root package.json does not depend on`);
    else if (PEERS.has(pkg)) peerDependencies[pkg] = `^${pinned}`;
    else dependencies[pkg] = pinned;
  }
  return {
    name: lib.name,
    version: lib.version,
    description: lib.description,
    license: root.license,
    engines: root.engines,
    main: 'dist/index.js',
    types: 'dist/index.d.ts',
    files: ['dist', 'README.md'],
    dependencies,
    ...(Object.keys(peerDependencies).length > 0 ? { peerDependencies } : {}),
  };
}
