// Keeps the house layering true (../shared/STYLE.md): services depend on libs and never on each other,
// libs never import services, and a service's domain/ stays pure. Every way of naming another module is
// checked: import and export … from, import(), require(); a service is any folder under services/
// (by path, and by the package name in its package.json).
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

// read-models holds document shapes and collection names only, zod only validates values, and luxon is
// calendar arithmetic over the runtime's time-zone data (domain/ passes it the instant; it never asks
// luxon for the clock): all pure computation, like contracts.
const DOMAIN_ALLOWED_PACKAGES = new Set([
  '@mailfleet/contracts',
  '@mailfleet/errors',
  '@mailfleet/read-models',
  'luxon',
  'zod',
]);
// Of a package that also does I/O, the names that are pure computation: @mailfleet/retry's backoff
// formula is arithmetic on the attempt and a random number the caller passes; its pause and retryUntil
// are timers.
const DOMAIN_ALLOWED_NAMES = new Map([['@mailfleet/retry', new Set(['backoffDelay', 'Backoff'])]]);

/** True when every name an import declaration takes is one domain/ may use. */
const onlyPureNames = (node, pkg) =>
  node.type === 'ImportDeclaration' &&
  node.specifiers.length > 0 &&
  node.specifiers.every(
    (s) => s.type === 'ImportSpecifier' && DOMAIN_ALLOWED_NAMES.get(pkg)?.has(s.imported.name),
  );

function locate(file, root) {
  const rel = path.relative(root, file).split(path.sep);
  if (rel[0] === 'services' && rel.length > 1) {
    // test/domain/ holds the pure fixtures of domain specs: as pure as domain/ itself.
    const domain = (rel[2] === 'src' || rel[2] === 'test') && rel[3] === 'domain';
    return { kind: 'service', name: rel[1], domain };
  }
  if (rel[0] === 'libs' && rel.length > 1) return { kind: 'lib', name: rel[1], domain: false };
  return { kind: 'other', name: '', domain: false };
}

function packageOf(source) {
  const parts = source.split('/');
  return source.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** Package name → service folder, for every folder under services/ with a package.json. */
function servicePackages(root) {
  const found = new Map();
  let folders = [];
  try {
    folders = readdirSync(path.join(root, 'services'));
  } catch {
    return found;
  }
  for (const folder of folders) {
    try {
      const { name } = JSON.parse(readFileSync(path.join(root, 'services', folder, 'package.json'), 'utf8'));
      if (name) found.set(name, folder);
    } catch {
      // Not a package: only its path identifies it.
    }
  }
  return found;
}

const stringValue = (node) =>
  node && node.type === 'Literal' && typeof node.value === 'string' ? node.value : undefined;

export const layeringRule = {
  meta: {
    type: 'problem',
    docs: { description: 'services never import each other; libs never import services; domain/ is pure' },
    schema: [],
  },
  create(context) {
    const root = context.cwd;
    const file = context.filename;
    const here = locate(file, root);
    if (here.kind === 'other') return {};
    const services = servicePackages(root);

    const check = (node, source, typeOnly) => {
      if (typeof source !== 'string') return;
      if (source.startsWith('.')) {
        const target = locate(path.resolve(path.dirname(file), source), root);
        if (target.kind === 'service' && (here.kind === 'lib' || target.name !== here.name)) {
          context.report({
            node,
            message: `${here.kind} '${here.name}' must not import service '${target.name}'.`,
          });
        } else if (target.kind === 'lib' && !(here.kind === 'lib' && target.name === here.name)) {
          context.report({ node, message: `import lib '${target.name}' by its package name, not a path.` });
        } else if (here.domain && !target.domain) {
          context.report({
            node,
            message:
              'domain/ may import only domain/, @mailfleet/contracts, @mailfleet/errors and @mailfleet/read-models.',
          });
        }
        return;
      }
      const pkg = packageOf(source);
      const service = services.get(pkg);
      if (service !== undefined && !(here.kind === 'service' && here.name === service)) {
        context.report({
          node,
          message: `'${pkg}' is a service (services/${service}); depend on libs only.`,
        });
      } else if (here.domain && !DOMAIN_ALLOWED_PACKAGES.has(pkg) && !typeOnly && !onlyPureNames(node, pkg)) {
        context.report({
          node,
          message: `domain/ is pure: '${source}' is I/O or infrastructure. Pass it in as a port.`,
        });
      }
    };

    return {
      ImportDeclaration: (node) => check(node, node.source.value, node.importKind === 'type'),
      ExportNamedDeclaration: (node) => {
        if (node.source) check(node, node.source.value, node.exportKind === 'type');
      },
      ExportAllDeclaration: (node) => check(node, node.source.value, node.exportKind === 'type'),
      ImportExpression: (node) => check(node, stringValue(node.source), false),
      CallExpression: (node) => {
        if (node.callee.type === 'Identifier' && node.callee.name === 'require')
          check(node, stringValue(node.arguments[0]), false);
      },
    };
  },
};
