import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/core/common/ports.js';
import { basicAuth, bearer, startHarness, type Harness } from '../support/harness.js';

// Raw template output through /v1/decide with the public write key: `{{{ }}}` inserts what the
// workspace wrote (the content, the action) raw, and escapes what callers send, the request
// context above all, which any page can fill.
const t0 = Date.parse('2026-03-02T10:00:00Z');
const hostile = '"><script>alert(1)</script>';
const escaped = '&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;';

describe('templates through /v1/decide', () => {
  let h: Harness;
  const put = async (path: string, body: Record<string, unknown>) => {
    const res = await h.app.inject({ method: 'PUT', url: path, headers: { authorization: bearer(h.a.secretKey) }, payload: body });
    expect(res.statusCode, res.body).toBe(201);
  };
  const decide = async (body: Record<string, unknown>) => {
    const res = await h.app.inject({ method: 'POST', url: '/v1/decide', headers: { authorization: basicAuth(h.a.writeKey) }, payload: body });
    expect(res.statusCode, res.body).toBe(200);
    return res.json<{ placements: { fallback: string | null; decisions: { actionId: string | null; content: Record<string, string> }[] }[] }>();
  };

  beforeAll(async () => {
    h = await startHarness({ clock: fixedClock(t0) });
    await put('/admin/v1/placements/banner', {
      channel: 'web', count: 1, strategy: { kind: 'priority' },
      defaultContent: { html: '<i>Welcome</i>', body: '{{{ content.html }}} {{{ context.ref }}}' },
    });
    await put('/admin/v1/placements/hero', { channel: 'web', count: 1, strategy: { kind: 'priority' }, defaultContent: { title: 'Hi' } });
    await put('/admin/v1/actions/sale', {
      placements: ['hero'], priority: 1, name: '<b>Spring sale</b>',
      variants: { default: { html: '<b>Sale</b>', body: '{{{ content.html }}} {{{ action.name }}}', ref: '<a href="{{{ context.ref }}}">', q: '{{{ context.q | "<em>none</em>" }}}' } },
    });
  });
  afterAll(async () => h.close());

  it('inserts the action\'s own content and fields raw, and escapes the context even in triple braces', async () => {
    const body = await decide({ anonymousId: 'a-1', placements: ['hero'], context: { ref: hostile } });
    expect(body.placements[0]!.decisions[0]!.content).toEqual({
      html: '<b>Sale</b>',
      body: '<b>Sale</b> <b>Spring sale</b>',
      ref: `<a href="${escaped}">`,
      q: '<em>none</em>',
    });
  });

  it('does the same for a placement\'s default content', async () => {
    const body = await decide({ anonymousId: 'a-2', placements: ['banner'], context: { ref: hostile } });
    expect(body.placements[0]!.decisions[0]!.content).toEqual({ html: '<i>Welcome</i>', body: `<i>Welcome</i> ${escaped}` });
  });
});
