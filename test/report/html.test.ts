/**
 * The report's view layer: data is escaped unless it is a fragment this module made, trusted
 * fragments and lists compose without double escaping, embedded JSON cannot end its script element,
 * and the mistakes escaping cannot cover (unquoted attributes, `</script` in inlined code) are refused.
 */
import { describe, expect, it } from 'vitest';
import { escapeHtml, type Html, html, type HtmlValue, inlineScript, join, raw, scriptData } from '../../report/html.js';

describe('escapeHtml', () => {
  it('escapes every markup character, and CR so that CR LF survives the parser', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    expect(escapeHtml('a\r\nb\tc')).toBe('a&#13;\nb\tc');
  });
});

describe('html', () => {
  it('escapes interpolated text and numbers and keeps its own fragments as markup', () => {
    const caption = '<script>alert(1)</script> & "quoted"';
    const cell = html`<td>${caption}</td>`;
    expect(String(cell)).toBe('<td>&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quoted&quot;</td>');
    // exact markup is the point here, so Prettier must not re-flow the template
    // prettier-ignore
    const row = html`<tr>${cell}<td>${3.5}</td></tr>`;
    expect(String(row)).toBe(`<tr>${String(cell)}<td>3.5</td></tr>`);
  });

  it('renders lists, and nothing for false, null and undefined', () => {
    const items: HtmlValue[] = ['a<b', html`<i>c</i>`, ['d&', false, null, undefined]];
    expect(String(html`<p>${items}</p>`)).toBe('<p>a&lt;b<i>c</i>d&amp;</p>');
    expect(String(join(['x<', html`<b>y</b>`], raw('<br>')))).toBe('x&lt;<br><b>y</b>');
  });

  it('escapes an object that only looks like a fragment', () => {
    const forged = { toString: () => '<img src=x onerror=alert(1)>' } as unknown as Html;
    expect(String(html`<p>${forged}</p>`)).toBe('<p>&lt;img src=x onerror=alert(1)&gt;</p>');
  });

  it('refuses an unquoted attribute value, allows quoted ones and `=` in text', () => {
    const v = 'x onmouseover=alert(1)';
    expect(() => html`<span title=${v}></span>`).toThrow(/quote the attribute value/);
    expect(() => html`<span class="a" title=${v}></span>`).toThrow(/quote the attribute value/);
    expect(String(html`<span title="${v}">w=${0.5}</span>`)).toBe('<span title="x onmouseover=alert(1)">w=0.5</span>');
  });
});

describe('scriptData', () => {
  it('writes JSON that cannot end or comment out its script element and parses back unchanged', () => {
    const value = { caption: '</script><script>alert(1)</script> <!-- x --> a & b \u2028 line\nnext', n: 1 };
    const json = String(scriptData(value));
    expect(json).not.toMatch(/[<>&\u2028]/);
    expect(JSON.parse(json)).toEqual(value);
  });
});

describe('inlineScript', () => {
  it('inlines trusted code and refuses code that would end the element early', () => {
    expect(String(inlineScript('let a = 1 < 2;'))).toBe('let a = 1 < 2;');
    expect(() => inlineScript('x = "</SCRIPT>"')).toThrow(/cannot be inlined/);
    expect(() => inlineScript('x = "<!--"')).toThrow(/cannot be inlined/);
  });
});
