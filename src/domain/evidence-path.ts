/**
 * What an evidence path may be. Every later gate run writes a version's evidence into a fresh
 * directory under these paths and reads it back, so a path is accepted only if every file system
 * Clearance runs on can hold it beside the version's other paths, and if it reads the same to a
 * person as to the machine. Refusing at upload is the only safe place: evidence is immutable.
 */
import { caseVariantOfKnownName, ignoredEvidenceFolders } from './evidence-file-names.js';

/** The limits below, in one place for the docs (docs/security.md) and the tests. */
export const evidencePathLimits = {
  /** Bytes of UTF-8 in one segment (file or folder name): ext4, XFS, APFS and NTFS hold 255. */
  maxSegmentBytes: 255,
  /** Bytes of UTF-8 in the whole path; with a temporary directory's prefix it stays under macOS's 1024. */
  maxPathBytes: 512,
  /** Segments in the path: `a/b/c.md` has 3. */
  maxSegments: 16,
} as const;

export type EvidencePathRule =
  | 'empty'
  | 'lone_surrogate'
  | 'control_character'
  | 'bidi_control'
  | 'format_character'
  | 'not_nfc'
  | 'absolute'
  | 'backslash'
  | 'empty_segment'
  | 'dot_segment'
  | 'too_many_segments'
  | 'segment_too_long'
  | 'path_too_long'
  | 'ignored_folder'
  | 'case_variant_name'
  | 'duplicate'
  | 'case_duplicate'
  | 'file_directory_clash';

export interface EvidencePathProblem {
  path: string;
  rule: EvidencePathRule;
  /** Names the path (escaped, see `displayEvidencePath`) and the rule it breaks. */
  message: string;
  fix: string;
}

/** Explicit directional formatting characters (Unicode UAX #9 §2): they reorder what is shown. */
const bidiControls = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;
/** C0, DEL, C1 controls and the line/paragraph separators, which break a name across lines. */
const controls = /[\p{Cc}\u2028\u2029]/u;
/** Other invisible format characters (zero-width space and joiners, BOM, soft hyphen, tags…). */
const formatCharacters = /\p{Cf}/u;
/** Anything a reader could not see or that would not survive a log line, for `displayEvidencePath`. */
const unprintable = /[\p{Cc}\p{Cf}\p{Cs}\u2028\u2029]/gu;

const encoder = new TextEncoder();
const utf8Length = (text: string): number => encoder.encode(text).length;
const codePoint = (char: string): string =>
  `U+${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;

/**
 * The path as it may be shown in a message: invisible, control and bidi characters (and lone
 * surrogates) as `\u{…}` escapes, so `\u202Egnp.md` cannot display as `md.png`; long paths cut.
 */
export function displayEvidencePath(path: string): string {
  const escaped = path.replace(
    unprintable,
    (char) => `\\u{${(char.codePointAt(0) ?? 0).toString(16).toUpperCase()}}`,
  );
  const short = escaped.length > 120 ? `${escaped.slice(0, 60)}…${escaped.slice(-40)}` : escaped;
  return `"${short}"`;
}

/**
 * A key under which two paths collide on a case-insensitive file system (macOS, Windows):
 * upper then lower case (so `ß` and `SS`, `ſ` and `s` meet), then NFC again.
 */
export function foldEvidencePath(path: string): string {
  return path.toUpperCase().toLowerCase().normalize('NFC');
}

function problem(
  path: string,
  rule: EvidencePathRule,
  message: string,
  fix: string,
): EvidencePathProblem {
  return { path, rule, message: `Evidence path ${displayEvidencePath(path)} ${message}`, fix };
}

const renameFix = 'Rename the file to letters, digits, spaces, ".", "-", "_" and "/".';

/** Characters no path may hold, whatever its place; the first problem, or undefined. */
function checkCharacters(path: string): EvidencePathProblem | undefined {
  if (!path.isWellFormed()) {
    return problem(
      path,
      'lone_surrogate',
      'holds a lone UTF-16 surrogate, which is not a character and has no UTF-8 form.',
      'Send the path as valid UTF-8.',
    );
  }
  const control = controls.exec(path)?.[0];
  if (control !== undefined) {
    return problem(
      path,
      'control_character',
      `holds the control character ${codePoint(control)}; file names may not hold control characters.`,
      renameFix,
    );
  }
  const bidi = bidiControls.exec(path)?.[0];
  if (bidi !== undefined) {
    return problem(
      path,
      'bidi_control',
      `holds the bidirectional control ${codePoint(bidi)}, which makes the name display differently from what it is.`,
      renameFix,
    );
  }
  const format = formatCharacters.exec(path)?.[0];
  if (format !== undefined) {
    return problem(
      path,
      'format_character',
      `holds the invisible format character ${codePoint(format)}, so two different names could look the same.`,
      renameFix,
    );
  }
  if (path.normalize('NFC') !== path) {
    return problem(
      path,
      'not_nfc',
      'is not in Unicode normalisation form C (NFC), so the same name could be stored twice in different byte forms.',
      'Send the path in NFC (the `clearance` CLI does this for you; macOS tools may write decomposed names).',
    );
  }
  return undefined;
}

/** Shape: relative, `/`-separated, no empty, `.` or `..` segments, within the limits. */
function checkShape(path: string): EvidencePathProblem | undefined {
  const example = 'Use a relative path such as metrics.json or reports/drift.md.';
  if (path.startsWith('/')) {
    return problem(path, 'absolute', 'is absolute; evidence paths are relative.', example);
  }
  if (path.includes('\\')) {
    return problem(path, 'backslash', 'holds a backslash; separate folders with "/".', example);
  }
  const segments = path.split('/');
  if (segments.some((s) => s === '')) {
    return problem(
      path,
      'empty_segment',
      'has an empty segment ("//" or a trailing "/").',
      example,
    );
  }
  if (segments.some((s) => s === '.' || s === '..')) {
    return problem(path, 'dot_segment', 'has a "." or ".." segment.', example);
  }
  const { maxSegments, maxSegmentBytes, maxPathBytes } = evidencePathLimits;
  if (segments.length > maxSegments) {
    return problem(
      path,
      'too_many_segments',
      `is ${segments.length} segments deep; at most ${maxSegments} are allowed.`,
      'Flatten the folder structure.',
    );
  }
  const long = segments.find((s) => utf8Length(s) > maxSegmentBytes);
  if (long !== undefined) {
    return problem(
      path,
      'segment_too_long',
      `has a name of ${utf8Length(long)} bytes (UTF-8); at most ${maxSegmentBytes} are allowed.`,
      'Shorten the file or folder name.',
    );
  }
  if (utf8Length(path) > maxPathBytes) {
    return problem(
      path,
      'path_too_long',
      `is ${utf8Length(path)} bytes long (UTF-8); at most ${maxPathBytes} are allowed.`,
      'Shorten the path.',
    );
  }
  return undefined;
}

/** Names the evidence reader skips or would misread. */
function checkNames(path: string): EvidencePathProblem | undefined {
  const ignored = path.split('/').find((s) => ignoredEvidenceFolders.includes(s));
  if (ignored !== undefined) {
    return problem(
      path,
      'ignored_folder',
      `is inside "${ignored}", a folder the evidence reader skips, so no gate would ever read it.`,
      'Attach the file from outside that folder.',
    );
  }
  const known = caseVariantOfKnownName(path);
  if (known !== undefined) {
    return problem(
      path,
      'case_variant_name',
      `differs only in letter case from the documented evidence name "${known}"; names are matched exactly, so it would not be read as that kind.`,
      `Did you mean ${known}? Rename it to that, or to a name that is not a known evidence name.`,
    );
  }
  return undefined;
}

/** The first rule a single path breaks, or undefined when it may be stored. */
export function checkEvidencePath(path: string): EvidencePathProblem | undefined {
  if (path.length === 0) {
    return problem(path, 'empty', 'is empty.', 'Name the file, e.g. metrics.json.');
  }
  return checkCharacters(path) ?? checkShape(path) ?? checkNames(path);
}

/** Every folder a path implies: `a/b/c.md` → `a`, `a/b`. */
function foldersOf(path: string): string[] {
  const parts = path.split('/');
  return parts.slice(1).map((_, i) => parts.slice(0, i + 1).join('/'));
}

/**
 * Every problem of the paths being added to a version that already holds `existing`: each path's
 * own rule, then collisions with the version's other paths — the same path twice in one upload,
 * two paths equal but for letter case, and a file where another path needs a folder. Existing
 * paths are not re-judged among themselves (they were stored under older rules).
 */
export function checkEvidencePaths(input: {
  existing: readonly string[];
  added: readonly string[];
}): EvidencePathProblem[] {
  const problems: EvidencePathProblem[] = [];
  const files = new Map<string, string>();
  const folders = new Map<string, string>();
  const remember = (path: string) => {
    files.set(foldEvidencePath(path), path);
    for (const folder of foldersOf(path)) {
      const key = foldEvidencePath(folder);
      if (!folders.has(key)) folders.set(key, path);
    }
  };
  for (const path of input.existing) remember(path);
  const seen = new Set<string>();
  for (const path of input.added) {
    const own = checkEvidencePath(path);
    if (own) {
      problems.push(own);
      continue;
    }
    const clash = collision({ path, files, folders, seen });
    if (clash) problems.push(clash);
    seen.add(path);
    if (!clash) remember(path);
  }
  return problems;
}

function collision(input: {
  path: string;
  files: ReadonlyMap<string, string>;
  folders: ReadonlyMap<string, string>;
  seen: ReadonlySet<string>;
}): EvidencePathProblem | undefined {
  const { path, files, folders } = input;
  if (input.seen.has(path)) {
    return problem(path, 'duplicate', 'is given twice in one upload.', 'Send each path once.');
  }
  const key = foldEvidencePath(path);
  const same = files.get(key);
  if (same !== undefined && same !== path) {
    return problem(
      path,
      'case_duplicate',
      `differs only in letter case from ${displayEvidencePath(same)}, already in this version; on a case-insensitive file system they are one file.`,
      'Use the existing name to mean the same file, or a name that differs by more than case.',
    );
  }
  const below = folders.get(key);
  if (below !== undefined) {
    return problem(
      path,
      'file_directory_clash',
      `names a file, but ${displayEvidencePath(below)} in this version needs a folder of that name.`,
      'Rename the file or the folder.',
    );
  }
  const file = foldersOf(path).find((folder) => files.has(foldEvidencePath(folder)));
  if (file !== undefined) {
    return problem(
      path,
      'file_directory_clash',
      `needs a folder ${displayEvidencePath(file)}, but ${displayEvidencePath(files.get(foldEvidencePath(file)) ?? file)} in this version is a file.`,
      'Rename the file or the folder.',
    );
  }
  return undefined;
}
