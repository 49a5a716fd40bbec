import { constants, inflateSync } from 'node:zlib';
import { DocumentError, fileLabel, type DocumentFile } from './document-error';

/**
 * A look at a PDF's raw structure before pdf.js parses it. pdf.js decodes a content stream into
 * one growing buffer outside the JavaScript heap and has no option to bound it, nor the number of
 * objects or how deeply they nest; these are checked here, on the bytes, in time and memory
 * proportional to the file's size and the limits:
 *
 * - every Flate-compressed stream is inflated (each filter of a Flate chain in turn) with zlib's
 *   own output bound, so a stream that would inflate past `maxStreamBytes` stops there, and the
 *   file's inflated total is bounded by `maxDecodedBytes`;
 * - objects are counted (including those packed in object streams), and arrays and dictionaries
 *   may nest `maxNesting` deep at most;
 * - a page tree that claims more pages than accepted is refused on its claim, before pdf.js walks it.
 *
 * Other filters (LZW, RunLength, the image codecs) are left to the memory limit of the process that
 * reads the document; image sizes are checked before any page is rendered (pdf-ocr.ts).
 */

export interface PdfStructureLimits {
  maxPages: number;
  /** Most bytes one stream may inflate to. */
  maxStreamBytes: number;
  /** Most bytes all of a document's streams may inflate to together. */
  maxDecodedBytes: number;
  /** Most objects in one document. */
  maxObjects: number;
  /** Deepest nesting of arrays and dictionaries. */
  maxNesting: number;
}

export const DEFAULT_STRUCTURE_LIMITS: PdfStructureLimits = {
  maxPages: 20,
  maxStreamBytes: 32 * 1024 * 1024,
  maxDecodedBytes: 128 * 1024 * 1024,
  maxObjects: 20_000,
  maxNesting: 64,
};

// How far before a `stream` keyword its dictionary is looked for; real stream dictionaries are short.
const DICTIONARY_WINDOW = 4096;

interface Span {
  start: number;
  end: number;
}

const megabytes = (bytes: number) => `${Math.round(bytes / (1024 * 1024))} MB`;

export function checkPdfStructure(buffer: Uint8Array, file: DocumentFile, limits: PdfStructureLimits): void {
  const label = fileLabel(file);
  const bytes = Buffer.from(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  // One byte per character: offsets in the text are offsets in the file.
  const text = bytes.toString('latin1');

  let objects = 0;
  for (const _ of text.matchAll(/(?<![0-9])[0-9]{1,10}[ \t\r\n\f\0]+[0-9]{1,5}[ \t\r\n\f\0]+obj\b/g)) objects++;

  const streams: Span[] = [];
  const decodedTexts: string[] = [];
  let decodedTotal = 0;
  const tooMuchData = (detail: string) =>
    new DocumentError(
      file,
      'too_much_compressed_data',
      `The ${label} holds more compressed data than accepted (at most ${megabytes(limits.maxStreamBytes)} per stream and ` +
        `${megabytes(limits.maxDecodedBytes)} in all, once decompressed); it may be built to exhaust a reader.`,
      { detail },
    );

  for (const match of text.matchAll(/\bstream(?:\r\n|\n|\r)/g)) {
    const start = match.index + match[0].length;
    const dictionaryStart = Math.max(0, match.index - DICTIONARY_WINDOW);
    const before = text.slice(dictionaryStart, match.index);
    const dictionary = before.slice(before.lastIndexOf('obj') + 1);
    const end = streamEnd(text, start, dictionary);
    streams.push({ start, end });
    const filters = flateChain(dictionary);
    if (filters === 0) continue;
    let data: Buffer = bytes.subarray(start, end);
    let decoded = false;
    for (let round = 0; round < filters; round++) {
      const room = Math.min(limits.maxStreamBytes, limits.maxDecodedBytes - decodedTotal);
      const inflated = inflateBounded(data, room);
      if (inflated === 'too_large') {
        throw tooMuchData(`stream at byte ${start} inflates past ${room} bytes (filter ${round + 1} of ${filters})`);
      }
      if (inflated === null) break;
      data = inflated;
      decoded = round === filters - 1;
      if (decoded) decodedTotal += data.length;
    }
    if (decoded && /\/Type\s*\/ObjStm\b/.test(dictionary)) {
      const packed = /\/N\s+([0-9]{1,10})\b/.exec(dictionary);
      objects += packed ? Number(packed[1]) : 0;
      decodedTexts.push(data.toString('latin1'));
    }
  }

  if (objects > limits.maxObjects) {
    throw new DocumentError(
      file,
      'too_complex',
      `The ${label} is built from ${objects} objects; at most ${limits.maxObjects} are accepted (a resume needs a few hundred).`,
      { detail: `object count ${objects}` },
    );
  }

  const depth = Math.max(nestingDepth(text, streams, limits.maxNesting), ...decodedTexts.map((t) => nestingDepth(t, [], limits.maxNesting)));
  if (depth > limits.maxNesting) {
    throw new DocumentError(
      file,
      'too_complex',
      `The ${label} has objects nested more than ${limits.maxNesting} levels deep; it may be built to exhaust a reader.`,
      { detail: `nesting depth over ${limits.maxNesting}` },
    );
  }

  const claimed = Math.max(claimedPages(text), ...decodedTexts.map(claimedPages));
  if (claimed > limits.maxPages) {
    throw new DocumentError(file, 'too_many_pages', `The ${label} has ${claimed} pages; at most ${limits.maxPages} are accepted.`, {
      detail: `page tree /Count ${claimed}`,
    });
  }
}

/**
 * Where a stream's data ends: at its direct /Length when `endstream` follows there, else at the
 * next `endstream`, else at the end of the file (a stream that never ends). zlib stops at the end
 * of the compressed data by itself, so a wrong end only ever adds bytes it ignores.
 */
function streamEnd(text: string, start: number, dictionary: string): number {
  const length = /\/Length\s+([0-9]{1,12})(?![0-9]*\s+[0-9]+\s+R)/.exec(dictionary);
  if (length) {
    const end = start + Number(length[1]);
    if (end <= text.length && /^\s*endstream/.test(text.slice(end, end + 32))) return end;
  }
  const next = text.indexOf('endstream', start);
  return next === -1 ? text.length : next;
}

/** How many Flate filters the stream's filter chain starts with (the ones inflated here). */
function flateChain(dictionary: string): number {
  const at = dictionary.indexOf('/Filter');
  if (at === -1) return 0;
  const rest = dictionary.slice(at + '/Filter'.length).trimStart();
  let names: string[];
  if (rest.startsWith('[')) {
    const end = rest.indexOf(']');
    names = rest
      .slice(1, end === -1 ? undefined : end)
      .split('/')
      .slice(1);
  } else if (rest.startsWith('/')) {
    names = [rest.slice(1)];
  } else {
    return 0;
  }
  let count = 0;
  for (const name of names) {
    const word = /^[A-Za-z0-9]+/.exec(name)?.[0];
    if (word !== 'FlateDecode' && word !== 'Fl') break;
    count++;
  }
  return count;
}

/**
 * Inflates at most `room` bytes: the inflated data, 'too_large' past the bound, or null for data
 * that is not Flate at all (pdf.js will judge it). A truncated stream gives what it holds.
 */
function inflateBounded(data: Buffer, room: number): Buffer | 'too_large' | null {
  if (room <= 0) return 'too_large';
  try {
    return inflateSync(data, { maxOutputLength: room, finishFlush: constants.Z_SYNC_FLUSH });
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') return 'too_large';
    return null;
  }
}

/**
 * The deepest nesting of arrays and dictionaries outside the stream data, skipping strings and
 * comments; stops counting once past `limit`.
 */
function nestingDepth(text: string, streams: readonly Span[], limit: number): number {
  let depth = 0;
  let deepest = 0;
  let next = 0;
  for (let i = 0; i < text.length; i++) {
    const stream = streams[next];
    if (stream && i >= stream.start) {
      i = Math.max(i, stream.end);
      next++;
      continue;
    }
    const c = text.charCodeAt(i);
    if (c === 0x25 /* % */) {
      while (i < text.length && text.charCodeAt(i) !== 0x0a && text.charCodeAt(i) !== 0x0d) i++;
    } else if (c === 0x28 /* ( */) {
      let open = 1;
      while (open > 0 && ++i < text.length) {
        const s = text.charCodeAt(i);
        if (s === 0x5c /* \ */) i++;
        else if (s === 0x28) open++;
        else if (s === 0x29) open--;
      }
    } else if (c === 0x3c /* < */) {
      if (text.charCodeAt(i + 1) === 0x3c) {
        i++;
        depth++;
      } else {
        const close = text.indexOf('>', i);
        i = close === -1 ? text.length : close;
      }
    } else if (c === 0x5b /* [ */) {
      depth++;
    } else if (c === 0x3e /* > */ && text.charCodeAt(i + 1) === 0x3e) {
      i++;
      depth = Math.max(0, depth - 1);
    } else if (c === 0x5d /* ] */) {
      depth = Math.max(0, depth - 1);
    }
    if (depth > deepest) {
      deepest = depth;
      if (deepest > limit) return deepest;
    }
  }
  return deepest;
}

/** The largest page count any page tree node claims (its /Count), or 0. */
function claimedPages(text: string): number {
  let claimed = 0;
  let nodes = 0;
  for (const match of text.matchAll(/\/Type\s*\/Pages\b/g)) {
    // The root is among the first; a tree of more nodes than this only repeats the question.
    if (++nodes > MAX_PAGE_TREE_NODES) break;
    const count = /\/Count\s+([0-9]{1,15})\b/.exec(enclosingDictionary(text, match.index));
    if (count) claimed = Math.max(claimed, Number(count[1]));
  }
  return claimed;
}

// How far a page tree node's dictionary is followed: its /Kids of a few thousand references fit.
const DICTIONARY_REACH = 256 * 1024;
const MAX_PAGE_TREE_NODES = 1000;

/** The text of the innermost dictionary around `index` (its own nested dictionaries included). */
function enclosingDictionary(text: string, index: number): string {
  let depth = 0;
  let start = -1;
  for (let i = index; i > Math.max(0, index - DICTIONARY_REACH); i--) {
    if (text.startsWith('>>', i - 1)) {
      depth++;
      i--;
    } else if (text.startsWith('<<', i - 1)) {
      if (depth === 0) {
        start = i - 1;
        break;
      }
      depth--;
      i--;
    }
  }
  if (start === -1) return '';
  depth = 0;
  for (let i = start; i < Math.min(text.length, start + DICTIONARY_REACH); i++) {
    if (text.startsWith('<<', i)) {
      depth++;
      i++;
    } else if (text.startsWith('>>', i)) {
      depth--;
      i++;
      if (depth === 0) return text.slice(start, i + 1);
    }
  }
  return text.slice(start, Math.min(text.length, start + DICTIONARY_REACH));
}
