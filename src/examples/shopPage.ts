/**
 * The example shop (GET /examples/shop): a page that uses the browser SDK the way a site
 * would. A hero and a recommendations slot are placements whose own HTML is the default
 * content (the same as the placements' defaultContent in shopExample.ts); product buttons
 * send track events and product page views; "Log in as Ada" identifies. Everything is
 * inline and served by Attune: the page loads nothing from elsewhere. The SDK's URL is
 * relative, so the routes work under a prefix too (a reverse proxy's path, a test's).
 */

/** The user the page's "Log in" signs in as, with the userHash the server made for this id (identity verification). */
export interface DemoUser {
  readonly userId: string;
  readonly userHash: string;
}

export interface ShopPageOptions {
  readonly writeKey: string;
  /** Absent: the page identifies without a userHash (only a workspace that does not verify identities personalizes then). */
  readonly demoUser?: DemoUser | undefined;
  /** The CSP nonce of the inline script and style. */
  readonly nonce: string;
}

/** JSON safe to put inside a <script>: no `</script>` or `<!--` can end or change it. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

function escapeHtml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** The catalog of src/examples/shopExample.ts's actions; a product's category feeds its features (`shoe_views_24h`). */
const products = [
  { id: 'trail-runner', name: 'Trail runner', price: 89, section: 'shoes', tone: 'clay' },
  { id: 'merino-socks', name: 'Merino socks', price: 15, section: 'apparel', tone: 'sand' },
  { id: 'canvas-tote', name: 'Canvas tote', price: 19, section: 'bags', tone: 'moss' },
  { id: 'wool-beanie', name: 'Wool beanie', price: 25, section: 'apparel', tone: 'sky' },
] as const;

const style = `
:root { --ink: #1d2433; --muted: #5b6478; --line: #e3e6ee; --bg: #f6f7fb; --accent: #3b5bdb; --accent-ink: #fff; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: var(--bg); }
header { display: flex; align-items: center; justify-content: space-between; padding: 14px 28px; background: #fff; border-bottom: 1px solid var(--line); }
.logo { font-weight: 700; letter-spacing: .02em; }
.logo span { color: var(--accent); }
.account { display: flex; align-items: center; gap: 14px; color: var(--muted); }
main { max-width: 1040px; margin: 0 auto; padding: 28px; }
button, .cta { font: inherit; cursor: pointer; border-radius: 8px; border: 1px solid var(--line); background: #fff; color: var(--ink); padding: 7px 14px; text-decoration: none; display: inline-block; }
button.primary, .cta { background: var(--accent); border-color: var(--accent); color: var(--accent-ink); }
button:hover, .cta:hover { filter: brightness(.95); }
.hero { min-height: 210px; padding: 36px 40px; border-radius: 16px; color: #fff; background: linear-gradient(120deg, #3b5bdb, #7048e8 60%, #ae3ec9); display: flex; flex-direction: column; justify-content: center; gap: 8px; }
.hero h1 { margin: 0; font-size: 34px; line-height: 1.2; }
.hero p { margin: 0; opacity: .9; max-width: 36em; }
.hero .eyebrow { text-transform: uppercase; font-size: 12px; letter-spacing: .12em; opacity: .8; }
.hero .cta { align-self: flex-start; margin-top: 10px; background: #fff; color: var(--accent); border-color: #fff; font-weight: 600; }
h2 { font-size: 20px; margin: 32px 0 12px; }
.recs { display: grid; grid-template-columns: repeat(auto-fill, minmax(220px, 1fr)); gap: 14px; }
.rec { height: 100%; padding: 16px; border-radius: 12px; background: #fff; border: 1px solid var(--line); }
.rec h3 { margin: 0 0 4px; font-size: 16px; }
.rec p { margin: 0; color: var(--muted); }
.rec ul { margin: 6px 0 0; padding-left: 18px; color: var(--muted); }
.products { display: grid; grid-template-columns: repeat(auto-fill, minmax(220px, 1fr)); gap: 16px; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 12px; overflow: hidden; display: flex; flex-direction: column; }
.card .picture { height: 120px; }
.sand { background: linear-gradient(135deg, #f1e3c6, #d9bf8c); }
.moss { background: linear-gradient(135deg, #c9dcc0, #7f9f6f); }
.clay { background: linear-gradient(135deg, #f0c9b8, #c8775a); }
.sky { background: linear-gradient(135deg, #cfe0f5, #7ea3d6); }
.card .body { padding: 14px 16px 16px; display: flex; flex-direction: column; gap: 10px; }
.card h3 { margin: 0; font-size: 16px; }
.card .price { color: var(--muted); }
.card .actions { display: flex; gap: 8px; }
footer { max-width: 1040px; margin: 0 auto; padding: 8px 28px 40px; color: var(--muted); font-size: 14px; display: flex; flex-wrap: wrap; gap: 18px; justify-content: space-between; }
footer fieldset { border: 1px solid var(--line); border-radius: 10px; padding: 8px 14px; display: flex; gap: 16px; }
footer legend { padding: 0 4px; }
#status { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 13px; }
`;

/** The page's own code: everything the SDK offers a shop, in plain script-tag JavaScript. */
function script(writeKey: string, demoUser: DemoUser | null): string {
  return `
(function () {
  var config = ${scriptJson({ writeKey, placements: ['home-hero', 'home-recs'], timeout: 800, user: demoUser })};
  var attune = Attune.load({ writeKey: config.writeKey, host: location.origin });
  window.shop = { attune: attune, rendered: null };
  // The shop's server signed the demo user's id (userHash): a page cannot make one itself, so
  // nobody can be decided for as Ada without the server's say. A real shop puts the signed-in
  // user's id and hash in its pages; this one re-signs on each page, as its hash changes with
  // each start of the server.
  var traits = { name: 'Ada', email: 'ada@example.com' };
  function logIn() {
    attune.identify(config.user ? config.user.userId : 'ada', traits, config.user ? { userHash: config.user.userHash } : {});
  }
  if (config.user && attune.userId === config.user.userId) logIn();

  // Content strings come from Attune HTML-escaped; anything that is not a string is left out.
  function text(value) { return typeof value === 'string' ? value : ''; }
  attune.template('home-hero', function (c) {
    return (text(c.eyebrow) ? '<p class="eyebrow">' + text(c.eyebrow) + '</p>' : '<p class="eyebrow">Just for you</p>') +
      '<h1>' + text(c.title) + '</h1>' +
      (text(c.text) ? '<p>' + text(c.text) + '</p>' : '') +
      '<a class="cta" href="' + (text(c.href) || '#products') + '">' + (text(c.cta) || 'Shop now') + '</a>';
  });
  attune.template('home-recs', function (c) {
    var items = Array.isArray(c.items) ? c.items.filter(function (item) { return typeof item === 'string'; }) : [];
    return '<article class="rec"><h3>' + text(c.title) + '</h3>' +
      (text(c.text) ? '<p>' + text(c.text) + '</p>' : '') +
      (items.length > 0 ? '<ul>' + items.map(function (item) { return '<li>' + item + '</li>'; }).join('') + '</ul>' : '') +
      '</article>';
  });

  var status = document.getElementById('status');
  function describe(result) {
    return result.response.placements.map(function (p) {
      var shown = result.shown.some(function (d) { return d.placement === p.placement; });
      var why = p.error ? p.error.code : (p.fallback || 'not rendered');
      return p.placement + ': ' + (shown ? 'personalized' : 'default (' + why + ')');
    }).join(' \\u00b7 ') + (result.response.identity ? ' \\u00b7 identity: ' + result.response.identity : '');
  }
  function personalize() {
    var rendered = attune.render(config.placements, { timeout: config.timeout });
    window.shop.rendered = rendered;
    rendered.then(function (result) { status.textContent = describe(result); });
    return rendered;
  }

  attune.page('Shop home');
  personalize();

  var cart = 0;
  var hint = document.getElementById('hint');
  var cartCount = document.getElementById('cart-count');
  document.querySelectorAll('[data-product]').forEach(function (button) {
    button.addEventListener('click', function () {
      var product = JSON.parse(button.getAttribute('data-product'));
      var properties = { product_id: product.id, name: product.name, category: product.section, price: product.price, currency: 'CHF' };
      if (button.getAttribute('data-action') === 'add') {
        properties.quantity = 1;
        attune.track('Product Added', properties);
        cart += 1;
        cartCount.textContent = String(cart);
      } else {
        // The shop's features count product views by category (shoe_views_24h), not the last
        // page's section: the home page viewed next must not erase that someone looked at shoes.
        attune.track('Product Viewed', properties);
        // A product page of a real shop: a page view in the product's section (session.section).
        attune.page(product.name, { path: '/' + product.section + '/' + product.id, url: location.origin + '/' + product.section + '/' + product.id });
        hint.hidden = false;
      }
    });
  });

  var login = document.getElementById('login');
  var greeting = document.getElementById('greeting');
  function showUser() {
    greeting.textContent = attune.userId ? 'Hi, ' + attune.userId : 'Browsing anonymously';
    login.textContent = attune.userId ? 'Log out' : 'Log in as Ada';
  }
  login.addEventListener('click', function () {
    if (attune.userId) attune.reset();
    else logIn();
    showUser();
    personalize();
  });
  showUser();

  var choices = attune.consentChoices();
  document.querySelectorAll('[data-consent]').forEach(function (box) {
    var category = box.getAttribute('data-consent');
    box.checked = choices[category] !== false;
    box.addEventListener('change', function () {
      var change = {};
      change[category] = box.checked;
      attune.consent(change);
    });
  });
})();
`;
}

export function shopPage(options: ShopPageOptions): string {
  const nonce = escapeHtml(options.nonce);
  const cards = products.map((p) => {
    const data = escapeHtml(JSON.stringify({ id: p.id, name: p.name, price: p.price, section: p.section }));
    return `
      <article class="card">
        <div class="picture ${p.tone}"></div>
        <div class="body">
          <h3>${escapeHtml(p.name)}</h3>
          <span class="price">CHF ${p.price.toFixed(2)}</span>
          <div class="actions">
            <button type="button" data-product="${data}" data-action="view">View</button>
            <button type="button" class="primary" data-product="${data}" data-action="add">Add to cart</button>
          </div>
        </div>
      </article>`;
  }).join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Attune example shop</title>
<link rel="icon" href="data:,">
<style nonce="${nonce}">${style}</style>
</head>
<body>
<header>
  <div class="logo">Attune <span>Shop</span></div>
  <div class="account">
    <span id="greeting">Browsing anonymously</span>
    <span>Cart: <strong id="cart-count">0</strong></span>
    <button type="button" id="login">Log in as Ada</button>
  </div>
</header>
<main>
  <section class="hero" data-attune-placement="home-hero">
    <p class="eyebrow">Attune Shop</p>
    <h1>Welcome to the shop</h1>
    <p>Fresh picks every week.</p>
    <a class="cta" href="#products">Browse the catalog</a>
  </section>

  <h2>Recommended for you</h2>
  <div class="recs" data-attune-placement="home-recs">
    <article class="rec"><h3>Popular right now</h3><ul><li>Trail runner</li><li>Canvas tote</li><li>Wool beanie</li></ul></article>
  </div>

  <h2 id="products">Products</h2>
  <div class="products">${cards}
  </div>
</main>
<footer>
  <fieldset>
    <legend>Privacy choices</legend>
    <label><input type="checkbox" data-consent="analytics"> Analytics</label>
    <label><input type="checkbox" data-consent="personalization"> Personalization</label>
  </fieldset>
  <p id="hint" hidden>Attune noted that. Reload the page to see what it shows you now.</p>
  <output id="status">Personalizing&hellip;</output>
</footer>
<script src="../sdk/attune.js"></script>
<script nonce="${nonce}">${script(options.writeKey, options.demoUser ?? null)}</script>
</body>
</html>
`;
}
