/**
 * PromQL query templates of a rollout's KPI sources. A template is a PromQL expression with
 * placeholders: `{model}`, `{version}`, `{arm}` and `{series}` stand for label values and may only
 * appear inside a quoted string (`version="{version}"`), where they are filled in escaped, so a
 * model or version name can never change the query's shape; `{step}` is the query's resolution as
 * a PromQL duration (`60s`) and may only appear outside strings (`[{step}]`).
 */

/** Placeholders filled with label values, inside strings. */
const labelPlaceholders = ['model', 'version', 'arm', 'series'] as const;
/** Placeholders filled with a duration, outside strings. */
const codePlaceholders = ['step'] as const;

type LabelPlaceholder = (typeof labelPlaceholders)[number];
type Placeholder = LabelPlaceholder | (typeof codePlaceholders)[number];

export type PromqlValues = Readonly<Record<LabelPlaceholder, string> & { stepSeconds: number }>;

type Segment =
  | { kind: 'text'; text: string }
  | { kind: 'placeholder'; name: string; quote?: '"' | "'" | '`'; regex: boolean };

const placeholderAt = /^\{([A-Za-z_][A-Za-z0-9_]*)\}/;

/** Splits a template into text and placeholders, noting each placeholder's quoting. */
function segments(template: string): Segment[] {
  const out: Segment[] = [];
  let text = '';
  let quote: '"' | "'" | '`' | undefined;
  let regex = false;
  for (let i = 0; i < template.length; i++) {
    const ch = template[i]!;
    const placeholder = placeholderAt.exec(template.slice(i));
    if (placeholder) {
      out.push({ kind: 'text', text });
      text = '';
      out.push({
        kind: 'placeholder',
        name: placeholder[1]!,
        regex,
        ...(quote !== undefined && { quote }),
      });
      i += placeholder[0].length - 1;
      continue;
    }
    text += ch;
    if (quote !== undefined) {
      if (ch === '\\' && quote !== '`' && i + 1 < template.length) text += template[++i];
      else if (ch === quote) quote = undefined;
    } else if (ch === '"' || ch === "'" || ch === '`') {
      quote = ch;
      // `=~"…"` and `!~"…"` match a regular expression: a value there is also regex-escaped.
      regex = /[=!]~\s*$/.test(text.slice(0, -1));
    } else if (ch === '#') {
      const end = template.indexOf('\n', i);
      const stop = end < 0 ? template.length : end;
      text += template.slice(i + 1, stop);
      i = stop - 1;
    }
  }
  out.push({ kind: 'text', text });
  return out;
}

export type TemplateCheck = { ok: true } | { ok: false; reason: string; fix: string };

/** Whether a template's placeholders are known and placed where they can be filled safely. */
export function checkPromqlTemplate(template: string): TemplateCheck {
  for (const segment of segments(template)) {
    if (segment.kind === 'text') continue;
    const { name, quote } = segment;
    if ((labelPlaceholders as readonly string[]).includes(name)) {
      if (quote === '"' || quote === "'") continue;
      return {
        ok: false,
        reason: `uses {${name}} outside a quoted string`,
        fix: `Put {${name}} inside double quotes, as a label value: ${name}="{${name}}".`,
      };
    }
    if ((codePlaceholders as readonly string[]).includes(name)) {
      if (quote === undefined) continue;
      return {
        ok: false,
        reason: `uses {${name}} inside a string`,
        fix: `Use {${name}} as a range or offset, outside quotes: rate(requests_total[{${name}}]).`,
      };
    }
    return {
      ok: false,
      reason: `has an unknown placeholder {${name}}`,
      fix: `Use ${[...labelPlaceholders, ...codePlaceholders].map((p) => `{${p}}`).join(', ')}.`,
    };
  }
  if (template.trim() === '')
    return { ok: false, reason: 'is empty', fix: 'Write a PromQL query.' };
  return { ok: true };
}

/** RE2 metacharacters, escaped so a value matches itself only. */
function escapeRegex(value: string): string {
  return value.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
}

/** A value inside a PromQL string of this quote: PromQL strings escape as Go's do. */
function escapeString(value: string, quote: '"' | "'"): string {
  return value
    .replace(/\\/g, '\\\\')
    .replace(quote === '"' ? /"/g : /'/g, `\\${quote}`)
    .replace(/\n/g, '\\n')
    .replace(/\r/g, '\\r');
}

/**
 * Fills a template checked by `checkPromqlTemplate`. Label values are escaped for their string
 * (and regex-escaped after `=~` / `!~`); `{step}` becomes whole seconds (`60s`).
 * Throws on an unchecked template: that is a bug, the policy parser refuses such templates.
 */
export function fillPromqlTemplate(template: string, values: PromqlValues): string {
  return segments(template)
    .map((segment) => {
      if (segment.kind === 'text') return segment.text;
      const name = segment.name as Placeholder;
      if (name === 'step') return `${Math.max(1, Math.round(values.stepSeconds))}s`;
      const raw = values[name];
      if (raw === undefined || (segment.quote !== '"' && segment.quote !== "'"))
        throw new Error(`PromQL template placeholder {${segment.name}} was not checked`);
      return escapeString(segment.regex ? escapeRegex(raw) : raw, segment.quote);
    })
    .join('');
}
