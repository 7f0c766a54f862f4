// Just enough MIME (RFC 2045/2046) to read a delivery report: headers, and the parts of a multipart body
// kept as parts (mailparser folds a message/delivery-status part into the text, which loses it).
export interface MimePart {
  /** Header names lower-cased; folded lines joined (RFC 5322 §2.2.3). */
  readonly headers: ReadonlyMap<string, string>;
  /** The body, transfer encoding removed. */
  readonly body: string;
  readonly type: string;
  readonly params: ReadonlyMap<string, string>;
  readonly parts: readonly MimePart[];
}

const MAX_DEPTH = 8;

/** The header block at the start of `text` and what follows the first empty line. */
export function splitHeaders(text: string): { headers: Map<string, string>; body: string } {
  const match = /\r?\n\r?\n/.exec(text);
  const head = match ? text.slice(0, match.index) : text;
  const body = match ? text.slice(match.index + match[0].length) : '';
  return { headers: parseHeaderBlock(head), body };
}

/** `Name: value` lines, continuation lines joined; the first occurrence of a name wins. */
export function parseHeaderBlock(block: string): Map<string, string> {
  const headers = new Map<string, string>();
  for (const line of block.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (!headers.has(name)) headers.set(name, line.slice(colon + 1).trim());
  }
  return headers;
}

/** `type/subtype; a=b; c="d"` → the lower-cased type and its parameters. */
export function parseContentType(value: string | undefined): { type: string; params: Map<string, string> } {
  const [type = 'text/plain', ...rest] = (value ?? 'text/plain').split(';');
  const params = new Map<string, string>();
  for (const p of rest) {
    const eq = p.indexOf('=');
    if (eq > 0)
      params.set(
        p.slice(0, eq).trim().toLowerCase(),
        p
          .slice(eq + 1)
          .trim()
          .replace(/^"(.*)"$/s, '$1'),
      );
  }
  return { type: type.trim().toLowerCase(), params };
}

function decodeTransfer(body: string, encoding: string | undefined): string {
  switch ((encoding ?? '').trim().toLowerCase()) {
    case 'base64':
      return Buffer.from(body.replace(/[^A-Za-z0-9+/=]/g, ''), 'base64').toString('utf8');
    case 'quoted-printable':
      return Buffer.from(
        body
          .replace(/=\r?\n/g, '')
          .replace(/=([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))),
        'latin1',
      ).toString('utf8');
    default:
      return body;
  }
}

/** Parses a message (or a part) and, recursively, the parts of its multipart bodies. */
export function parseMime(text: string, depth = 0): MimePart {
  const { headers, body } = splitHeaders(text);
  const { type, params } = parseContentType(headers.get('content-type'));
  const boundary = params.get('boundary');
  if (!type.startsWith('multipart/') || boundary === undefined || depth >= MAX_DEPTH)
    return {
      headers,
      body: decodeTransfer(body, headers.get('content-transfer-encoding')),
      type,
      params,
      parts: [],
    };
  const parts: MimePart[] = [];
  const delimiter = `--${boundary}`;
  const sections = body.split(new RegExp(`(?:^|\\r?\\n)${escapeRegExp(delimiter)}`));
  // The first section is the preamble; a section starting with "--" is the closing delimiter's.
  for (const section of sections.slice(1)) {
    if (section.startsWith('--')) break;
    parts.push(parseMime(section.replace(/^[ \t]*\r?\n/, ''), depth + 1));
  }
  return { headers, body, type, params, parts };
}

/** Every part, depth first, the message itself included. */
export function allParts(part: MimePart): MimePart[] {
  return [part, ...part.parts.flatMap(allParts)];
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
