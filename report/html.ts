/**
 * A small typed view layer for server-side HTML: the `html` tag escapes every interpolated value
 * unless it is already {@link Html}, so text from data (captions, clip ids, error messages) can only
 * ever land as text. Trusted markup must be marked with {@link raw}, {@link scriptData} or
 * {@link inlineScript}, which keeps every unescaped byte greppable. Kept in-house rather than a
 * template engine (eta, handlebars) because those take untyped data, losing the report's types.
 */

let trusted: (markup: string) => Html;

/** A fragment of markup that is safe to place in a page: only this module's functions can make one. */
export class Html {
  readonly #markup: string;

  private constructor(markup: string) {
    this.#markup = markup;
  }

  static {
    trusted = (markup) => new Html(markup);
  }

  /** The markup as a string. */
  toString(): string {
    return this.#markup;
  }
}

/** What may be interpolated: text and numbers (escaped), fragments (kept), lists of either; null/undefined/false render nothing. */
export type HtmlValue = Html | string | number | false | null | undefined | readonly HtmlValue[];

// `\r` too: the HTML parser turns a raw CR LF into LF, a character reference survives as written
const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '\r': '&#13;',
};

/** Escapes text for element content and quoted attribute values; a browser reads back exactly `s` (NUL aside). */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"'\r]/g, (c) => ENTITIES[c] ?? c);
}

function render(v: HtmlValue): string {
  if (v instanceof Html) return v.toString();
  if (Array.isArray(v)) return v.map(render).join('');
  if (v === null || v === undefined || v === false) return '';
  return escapeHtml(String(v));
}

/** True when `markup` ends inside a start tag right after `name=`, where a value would be unquoted. */
const unquotedAttribute = (markup: string): boolean =>
  markup.lastIndexOf('<') > markup.lastIndexOf('>') && /\s[^\s"'<>/=]+\s*=\s*$/.test(markup);

/**
 * Tagged template: `html\`<td>${caption}</td>\`` escapes `caption`. Refuses an unquoted attribute
 * value (`<a title=${x}>`), which a space could break out of even when escaped.
 */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): Html {
  let out = strings[0];
  values.forEach((v, i) => {
    if (unquotedAttribute(out))
      throw new Error(`html: quote the attribute value before \${…} (after "${out.slice(-20)}")`);
    out += render(v) + strings[i + 1];
  });
  return trusted(out);
}

/** Markup the caller vouches for (never text from data). */
export function raw(markup: string): Html {
  return trusted(markup);
}

/** Joins fragments with a separator that is itself markup (e.g. `<br>`). */
export function join(items: readonly HtmlValue[], separator: Html): Html {
  return trusted(items.map(render).join(separator.toString()));
}

/**
 * JSON for a `<script type="application/json">` element: `<`, `>` and `&` are written as `\u` escapes,
 * so neither `</script>` nor `<!--` in the data can end or confuse the element; JSON.parse reads it back unchanged.
 */
export function scriptData(value: unknown): Html {
  return trusted(
    JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`),
  );
}

/** Trusted script source (a bundled library, our own chart code) for inside `<script>`; refuses text that could end the element early. */
export function inlineScript(source: string): Html {
  if (/<\/script|<!--/i.test(source))
    throw new Error('inlineScript: source contains </script or <!-- and cannot be inlined');
  return trusted(source);
}
