// Keeps the house layering true (../shared/STYLE.md): services depend on libs and never on each other,
// libs never import services, and a service's domain/ stays pure.
import path from 'node:path';

// read-models holds document shapes and collection names only, and zod only validates values: both are
// pure computation, like contracts.
const DOMAIN_ALLOWED_PACKAGES = new Set([
  '@mailfleet/contracts',
  '@mailfleet/errors',
  '@mailfleet/read-models',
  'zod',
]);

function locate(file, root) {
  const rel = path.relative(root, file).split(path.sep);
  if (rel[0] === 'services' && rel.length > 1) {
    return { kind: 'service', name: rel[1], domain: rel[2] === 'src' && rel[3] === 'domain' };
  }
  if (rel[0] === 'libs' && rel.length > 1) return { kind: 'lib', name: rel[1], domain: false };
  return { kind: 'other', name: '', domain: false };
}

function packageOf(source) {
  const parts = source.split('/');
  return source.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

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
    return {
      ImportDeclaration(node) {
        const source = node.source.value;
        if (typeof source !== 'string') return;
        const relative = source.startsWith('.');
        if (relative) {
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
        if (pkg.startsWith('@mailfleet/') && pkg.endsWith('-service')) {
          context.report({ node, message: `'${pkg}' is a service; depend on libs only.` });
        } else if (here.domain && !DOMAIN_ALLOWED_PACKAGES.has(pkg) && !(node.importKind === 'type')) {
          context.report({
            node,
            message: `domain/ is pure: '${source}' is I/O or infrastructure. Pass it in as a port.`,
          });
        }
      },
    };
  },
};
