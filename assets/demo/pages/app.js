/* Acme Shop — a little web app for the demo recording: real fetch calls to the demo
 * server's API, console output at every level, and (on purpose) one bug behind the
 * "Apply coupon" button. */
(function () {
  "use strict";
  var $ = function (sel, root) { return (root || document).querySelector(sel); };

  // Inline SVG product pictures: the replay needs no image requests.
  var SHAPES = {
    lamp: '<path d="M30 22h36l10 26H20z" fill="#fff" opacity=".92"/><rect x="46" y="48" width="4" height="26" fill="#fff"/><rect x="32" y="74" width="32" height="6" rx="3" fill="#fff"/>',
    mug: '<rect x="26" y="28" width="36" height="44" rx="6" fill="#fff" opacity=".92"/><path d="M62 38h6a8 8 0 0 1 0 16h-6" stroke="#fff" stroke-width="5" fill="none"/>',
    chair: '<rect x="28" y="22" width="40" height="30" rx="8" fill="#fff" opacity=".92"/><rect x="24" y="50" width="48" height="12" rx="5" fill="#fff"/><rect x="28" y="62" width="5" height="16" fill="#fff"/><rect x="63" y="62" width="5" height="16" fill="#fff"/>',
    plant: '<path d="M48 56C30 50 26 34 30 22c12 4 18 16 18 34zM48 56c18-6 22-22 18-34-12 4-18 16-18 34z" fill="#fff" opacity=".92"/><path d="M34 56h28l-4 22H38z" fill="#fff"/>',
    notebook: '<rect x="30" y="20" width="38" height="56" rx="4" fill="#fff" opacity=".92"/><g fill="currentColor" opacity=".5"><circle cx="40" cy="34" r="1.6"/><circle cx="48" cy="34" r="1.6"/><circle cx="56" cy="34" r="1.6"/><circle cx="40" cy="42" r="1.6"/><circle cx="48" cy="42" r="1.6"/><circle cx="56" cy="42" r="1.6"/></g>',
    headphones: '<path d="M24 58V48a24 24 0 0 1 48 0v10" stroke="#fff" stroke-width="6" fill="none"/><rect x="20" y="54" width="14" height="22" rx="5" fill="#fff"/><rect x="62" y="54" width="14" height="22" rx="5" fill="#fff"/>',
    backpack: '<rect x="28" y="28" width="40" height="50" rx="12" fill="#fff" opacity=".92"/><path d="M38 28v-6a10 10 0 0 1 20 0v6" stroke="#fff" stroke-width="5" fill="none"/><rect x="36" y="52" width="24" height="14" rx="4" fill="currentColor" opacity=".35"/>'
  };
  function art(p, size) {
    return '<svg viewBox="0 0 96 96" width="' + (size || 96) + '" height="' + (size || 96) +
      '" style="color:' + p.color + ';background:' + p.color + '" aria-hidden="true">' +
      (SHAPES[p.kind] || "") + "</svg>";
  }
  function money(x) { return "$" + x.toFixed(2); }
  function api(path, opts) {
    return fetch(path, opts).then(function (r) {
      return r.json().then(function (body) { return {ok: r.ok, status: r.status, body: body}; });
    });
  }
  function toast(text) {
    var t = $("#toast");
    t.textContent = text;
    t.classList.add("show");
    clearTimeout(toast.timer);
    toast.timer = setTimeout(function () { t.classList.remove("show"); }, 1800);
  }

  /* ---- the cart (server-side, mirrored here) ---- */
  var cart = {items: [], count: 0, total: 0};
  function renderCart() {
    var badge = $("#cart-count");
    if (badge) {
      badge.textContent = String(cart.count);
      badge.classList.remove("bump"); void badge.offsetWidth; badge.classList.add("bump");
    }
    var lines = $("#cart-lines");
    if (lines) {
      lines.innerHTML = cart.items.length ? "" : '<p class="empty">Your cart is empty.</p>';
      cart.items.forEach(function (it) {
        var line = document.createElement("div");
        line.className = "line";
        line.innerHTML = art(it, 48) + '<div class="info"><div class="name">' + it.name +
          '</div><div class="meta">' + money(it.price) + '</div></div><div class="qty">' +
          '<button type="button" data-dec="' + it.id + '" aria-label="One less ' + it.name + '">−</button>' +
          "<span>" + it.qty + "</span>" +
          '<button type="button" data-inc="' + it.id + '" aria-label="One more ' + it.name + '">+</button></div>';
        lines.appendChild(line);
      });
    }
    document.querySelectorAll("[data-total]").forEach(function (el) { el.textContent = money(cart.total); });
    var summary = $("#summary-lines");
    if (summary) {
      summary.innerHTML = "";
      cart.items.forEach(function (it) {
        var line = document.createElement("div");
        line.className = "line";
        line.innerHTML = art(it, 40) + '<div class="info"><div class="name">' + it.name + '</div><div class="meta">× ' +
          it.qty + "</div></div><div>" + money(it.qty * it.price) + "</div>";
        summary.appendChild(line);
      });
    }
  }
  function changeCart(id, qty) {
    return api("api/cart", {method: "POST", headers: {"Content-Type": "application/json"},
                             body: JSON.stringify({id: id, qty: qty})}).then(function (res) {
      cart = res.body;
      renderCart();
      console.log("cart updated:", cart.count, "items,", money(cart.total));
      return res;
    });
  }
  function loadCart() {
    return api("api/cart").then(function (res) { cart = res.body; renderCart(); });
  }

  /* ---- the shop page ---- */
  function renderGrid(products, term) {
    var grid = $("#grid");
    grid.innerHTML = "";
    $("#result-count").textContent = term ? products.length + (products.length === 1 ? " result" : " results") + ' for "' + term + '"' : products.length + " products";
    if (!products.length) {
      grid.innerHTML = '<div class="empty">Nothing matches "' + term + '". Try "mug" or "lamp".</div>';
      return;
    }
    products.forEach(function (p) {
      var card = document.createElement("article");
      card.className = "card";
      card.id = "product-" + p.id;
      card.innerHTML = '<div class="art" style="background:' + p.color + '22">' + art(p) + "</div>" +
        '<div class="body"><div class="name">' + p.name + '</div><div class="meta">★ ' + p.rating.toFixed(1) +
        '</div><div class="row"><span class="price">' + money(p.price) + "</span>" +
        '<button type="button" class="add" data-add="' + p.id + '">Add to cart</button></div></div>';
      grid.appendChild(card);
    });
  }
  function search(term) {
    return api("api/products?q=" + encodeURIComponent(term)).then(function (res) {
      renderGrid(res.body, term);
      if (term) console.info("search", JSON.stringify(term), "->", res.body.length, "results");
    });
  }
  function loadRecommendations() {
    var started = performance.now();
    return api("api/recommendations").then(function (res) {
      var ms = Math.round(performance.now() - started);
      if (ms > 1000) console.warn("recommendations took " + ms + " ms (budget: 1000 ms)");
      var box = $("#reco");
      box.innerHTML = "";
      res.body.forEach(function (p) {
        var item = document.createElement("div");
        item.className = "item";
        item.innerHTML = art(p, 56) + '<div><div class="name">' + p.name + '</div><div class="meta">' + money(p.price) + "</div></div>";
        box.appendChild(item);
      });
    });
  }
  function initShop() {
    console.info("Acme Shop v2.3.1 — storefront ready");
    search("");
    loadRecommendations();
    var timer = null;
    $("#search").addEventListener("input", function (ev) {
      clearTimeout(timer);
      var term = ev.target.value.trim();
      timer = setTimeout(function () { search(term); }, 350);
    });
    $("#grid").addEventListener("click", function (ev) {
      var btn = ev.target.closest("[data-add]");
      if (!btn) return;
      var name = btn.closest(".card").querySelector(".name").textContent;
      btn.textContent = "Adding…";
      changeCart(+btn.getAttribute("data-add"), 1).then(function () {
        btn.textContent = "Added ✓";
        btn.classList.add("added");
        toast(name + " added to your cart");
        setTimeout(function () { btn.textContent = "Add to cart"; btn.classList.remove("added"); }, 1500);
      });
    });
    $("#open-cart").addEventListener("click", function () { document.body.classList.add("cart-open"); });
    $("#close-cart").addEventListener("click", function () { document.body.classList.remove("cart-open"); });
    $("#backdrop").addEventListener("click", function () { document.body.classList.remove("cart-open"); });
    $("#cart-lines").addEventListener("click", function (ev) {
      var inc = ev.target.closest("[data-inc]"), dec = ev.target.closest("[data-dec]");
      if (inc) changeCart(+inc.getAttribute("data-inc"), 1);
      if (dec) changeCart(+dec.getAttribute("data-dec"), -1);
    });
  }

  /* ---- the checkout page ---- */
  function initCheckout() {
    console.info("checkout opened");
    $("#country").addEventListener("change", function (ev) {
      var hint = $("#shipping-hint");
      hint.textContent = "Getting a shipping quote…";
      api("api/shipping-quote?country=" + ev.target.value).then(function (res) {
        if (!res.ok) {
          console.error("shipping quote failed:", res.status, res.body.message);
          hint.textContent = "Shipping will be calculated later.";
          hint.classList.add("error");
        }
      });
    });
    $("#apply-coupon").addEventListener("click", function () {
      var code = $("#coupon").value.trim().toUpperCase();
      api("api/coupons/" + encodeURIComponent(code)).then(function (res) {
        if (!res.ok) console.warn("coupon lookup:", res.status, res.body.message);
      });
      // The bug a support engineer will find in this session: the message element was
      // renamed in the last release, so this throws and the button seems dead.
      $(".coupon-message").classList.remove("hidden");
    });
    $("#checkout-form").addEventListener("submit", function (ev) {
      ev.preventDefault();
      var btn = $("#place-order");
      btn.textContent = "Placing order…";
      btn.disabled = true;
      api("api/orders", {method: "POST", headers: {"Content-Type": "application/json"},
                          body: JSON.stringify({items: cart.items.length})}).then(function (res) {
        console.log("order placed", res.body.order_id);
        $("#order-id").textContent = res.body.order_id;
        document.body.classList.add("ordered");
        window.scrollTo(0, 0);
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    loadCart();
    if ($("#grid")) initShop();
    if ($("#checkout-form")) initCheckout();
  });
})();
