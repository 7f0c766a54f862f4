// RFC 2047 encoded words that never split a character. nodemailer 7 splits long non-ASCII header values
// into encoded words by UTF-16 units and keeps only some emoji surrogate pairs together, so a character
// outside the BMP (𐀀, most CJK extensions) at a split point reaches the reader as two U+FFFD. Values we
// pre-encode are plain ASCII to nodemailer, which then only folds them between words.

/** The value as is when it is printable ASCII, else as B-encoded words of whole characters. */
export function encodeHeaderWords(value: string, maxBytesPerWord = 45): string {
  if (/^[\x20-\x7e]*$/.test(value) && !/=\?/.test(value)) return value;
  const words: string[] = [];
  let chunk = '';
  for (const char of value) {
    if (Buffer.byteLength(chunk + char) > maxBytesPerWord && chunk !== '') {
      words.push(chunk);
      chunk = '';
    }
    chunk += char;
  }
  if (chunk !== '') words.push(chunk);
  return words.map((w) => `=?UTF-8?B?${Buffer.from(w, 'utf8').toString('base64')}?=`).join(' ');
}
