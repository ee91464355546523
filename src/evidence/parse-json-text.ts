/** JSON.parse with the failure turned into file:line:column, which V8 reports only as an offset. */
import { evidenceFormatLimits, jsonNestingBeyond } from '../domain/index.js';
import { evidenceError } from './evidence-error.js';

/** 1-based line and column of a character offset. */
function lineColumnAt(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/**
 * Parses JSON; the result stays `unknown` until a schema checks it. Nesting beyond
 * `evidenceFormatLimits.maxNesting` is refused first, so no later walk of the value can overflow.
 */
export function parseJsonText(text: string, file: string): unknown {
  const deep = jsonNestingBeyond(text);
  if (deep !== undefined) {
    const max = evidenceFormatLimits.maxNesting;
    throw evidenceError(
      { file, ...deep },
      `nests arrays and objects more than ${max} levels deep; at most ${max} are read.`,
      'Flatten the structure.',
    );
  }
  try {
    return JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (error) {
    const message = (error as Error).message;
    const match = /position (\d+)/.exec(message);
    // V8 gives no position for "Unexpected token"; a bare NaN/Infinity is the usual culprit.
    const offset = match ? Number(match[1]) : (bareNonFinite(text) ?? -1);
    if (offset < 0) {
      throw evidenceError(
        { file },
        `is not valid JSON (${message.split(', "')[0]}).`,
        'Fix the JSON syntax (a missing comma or quote, or a trailing comma, is the usual cause).',
        error,
      );
    }
    const where = lineColumnAt(text, offset);
    const rest = text.slice(offset, offset + 9);
    // Python's json.dumps writes NaN/Infinity, which JSON forbids; name the key it belongs to.
    const nonFinite = /^-?(NaN|Infinity)/.exec(rest);
    if (nonFinite) {
      const key = /"([^"\\]*)"\s*:\s*-?$/.exec(text.slice(Math.max(0, offset - 200), offset));
      throw evidenceError(
        { file, ...where, ...(key ? { field: key[1]! } : {}) },
        `holds ${nonFinite[0]}${key ? ` for key "${key[1]}"` : ''}, which is not a finite number and not valid JSON.`,
        'Write a finite number, or leave the key out if the value could not be computed.',
        error,
      );
    }
    throw evidenceError(
      { file, ...where },
      `is not valid JSON (${message.replace(/ in JSON at position \d+.*$/, '')}).`,
      'Fix the JSON syntax at that position (a missing comma or quote, or a trailing comma, is the usual cause).',
      error,
    );
  }
}

/** Offset of the first NaN/Infinity outside a string, if any. */
function bareNonFinite(text: string): number | undefined {
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === 'N' && text.startsWith('NaN', i)) return i;
    else if (c === 'I' && text.startsWith('Infinity', i)) return text[i - 1] === '-' ? i - 1 : i;
  }
  return undefined;
}
