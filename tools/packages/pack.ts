// npm run packages:pack -- --out DIR: the libraries an upstream team installs, as npm tarballs.
// Each lib builds to its dist/ (CommonJS and declarations); its published manifest is derived from what
// dist/ imports (published-manifest.ts), because inside the workspace a lib's package.json points at its
// TypeScript sources, which tsx runs directly.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import {
  publishedManifest,
  specifiersIn,
  type RootManifest,
  type WorkspaceManifest,
} from './published-manifest';

const repoRoot = path.resolve(__dirname, '..', '..');
/** In build order: a lib comes after the libs it imports. */
export const PUBLISHED_LIBS = ['errors', 'logger', 'retry', 'contracts', 'outbox', 'attachments'] as const;

const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(path.join(dir, e.name)) : [path.join(dir, e.name)],
  );
}

/** Builds every published lib and packs it into `outDir`; returns the tarballs' paths. */
export function packLibraries(outDir: string): string[] {
  const root = readJson<RootManifest>(path.join(repoRoot, 'package.json'));
  const libs = PUBLISHED_LIBS.map((name) => ({
    name,
    dir: path.join(repoRoot, 'libs', name),
    manifest: readJson<WorkspaceManifest>(path.join(repoRoot, 'libs', name, 'package.json')),
  }));
  const versions = new Map(libs.map((l) => [l.manifest.name, l.manifest.version]));
  mkdirSync(outDir, { recursive: true });
  const tarballs: string[] = [];
  for (const lib of libs) {
    const dist = path.join(lib.dir, 'dist');
    rmSync(dist, { recursive: true, force: true });
    execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
      cwd: lib.dir,
      stdio: 'inherit',
    });
    const specifiers = filesUnder(dist).flatMap((f) => specifiersIn(readFileSync(f, 'utf8')));
    const manifest = publishedManifest(lib.manifest, specifiers, root, versions);
    for (const dep of Object.keys(manifest['dependencies'] as Record<string, string>))
      if (dep.startsWith('@mailfleet/') && !versions.has(dep))
        throw new Error(
          `${lib.manifest.name} needs ${dep}, which is not published: add it to PUBLISHED_LIBS`,
        );

    const stage = path.join(outDir, 'stage', lib.name);
    rmSync(stage, { recursive: true, force: true });
    cpSync(dist, path.join(stage, 'dist'), { recursive: true });
    writeFileSync(path.join(stage, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    const readme = path.join(lib.dir, 'README.md');
    writeFileSync(
      path.join(stage, 'README.md'),
      existsSync(readme)
        ? readFileSync(readme)
        : `# ${lib.manifest.name}\n\n${lib.manifest.description ?? ''}\n\nPart of mailfleet; see docs/upstream-guide.md.\n`,
    );
    const [packed] = JSON.parse(
      execFileSync('npm', ['pack', '--json', '--pack-destination', outDir], { cwd: stage, encoding: 'utf8' }),
    ) as { filename: string }[];
    tarballs.push(path.join(outDir, packed!.filename));
  }
  return tarballs;
}

if (require.main === module) {
  const { out } = new Command()
    .name('npm run packages:pack --')
    .description(
      'Build @mailfleet/outbox and @mailfleet/contracts (and the libs they use) into npm tarballs.',
    )
    .option('--out <dir>', 'where the tarballs go', 'dist/packages')
    .parse()
    .opts<{ out: string }>();
  for (const tarball of packLibraries(path.resolve(out))) console.log(tarball);
}
