// The Mini App's shell: sends initData to the API and inserts the HTML fragments the server
// rendered (autoescaped there); it builds no markup from data itself.
(function () {
  "use strict";
  var HEADER = "X-Telegram-Init-Data";
  var messages = JSON.parse(document.getElementById("messages").textContent);
  var statusLine = document.getElementById("status");

  function webApp() {
    return (window.Telegram && window.Telegram.WebApp) || null;
  }

  // Telegram opens the page with #tgWebAppData=<initData>&tgWebAppVersion=...; its script
  // exposes the same string as Telegram.WebApp.initData
  function fromFragment() {
    var hash = window.location.hash.replace(/^#/, "");
    try {
      return new URLSearchParams(hash).get("tgWebAppData") || "";
    } catch (e) {
      return "";
    }
  }

  var initData = (webApp() && webApp().initData) || fromFragment();

  // the language to say "not authorised" in: what initData claims (unverified, words only),
  // else the page's
  function claimedLanguage() {
    try {
      var user = JSON.parse(new URLSearchParams(initData).get("user") || "{}");
      var code = String(user.language_code || "").slice(0, 2).toLowerCase();
      if (messages[code]) { return code; }
    } catch (e) { /* the page's language */ }
    return messages[document.documentElement.lang] ? document.documentElement.lang : "fr";
  }

  function say(key, isError) {
    var lang = claimedLanguage();
    var dir = lang === "ar" ? "rtl" : "ltr";
    statusLine.textContent = messages[lang][key];
    statusLine.setAttribute("lang", lang);
    statusLine.setAttribute("dir", dir);
    statusLine.className = isError ? "status error" : "status";
    statusLine.hidden = false;
  }

  function Unauthorised() {}

  function call(path, method) {
    return fetch(path, {
      method: method || "GET",
      headers: (function () { var h = {}; h[HEADER] = initData; return h; })(),
      cache: "no-store",
      credentials: "omit"
    }).then(function (response) {
      if (response.status === 401) { throw new Unauthorised(); }
      return response.text().then(function (html) {
        return { ok: response.ok, status: response.status, html: html,
                 lang: response.headers.get("Content-Language") };
      });
    });
  }

  // the server's HTML, autoescaped by its templates: the only markup this page inserts
  function put(target, html) {
    target.innerHTML = html;
  }

  function fail(error) {
    if (error instanceof Unauthorised) {
      document.getElementById("nav").textContent = "";
      Array.prototype.forEach.call(document.querySelectorAll("main section"), function (s) {
        s.hidden = true;
        s.textContent = "";
      });
      say("miniapp.unauthorised", true);
    } else {
      say("miniapp.failed", true);
    }
  }

  function load(view) {
    var section = document.getElementById("view-" + view);
    var target = view === "drafts" ? document.getElementById("drafts-list") : section;
    return call(section.getAttribute("data-api")).then(function (answer) {
      if (!answer.ok) { throw new Error(String(answer.status)); }
      put(target, answer.html);
    });
  }

  function show(view) {
    Array.prototype.forEach.call(document.querySelectorAll("#tabs button"), function (b) {
      if (b.getAttribute("data-view") === view) {
        b.setAttribute("aria-current", "page");
      } else {
        b.removeAttribute("aria-current");
      }
    });
    Array.prototype.forEach.call(document.querySelectorAll("main section"), function (s) {
      s.hidden = s.id !== "view-" + view;
    });
  }

  document.addEventListener("click", function (event) {
    var tab = event.target.closest("#tabs button[data-view]");
    if (tab) {
      show(tab.getAttribute("data-view"));
      return;
    }
    var button = event.target.closest("button[data-publish]");
    if (button) {
      button.disabled = true;
      call("/app/api/publish/" + encodeURIComponent(button.getAttribute("data-publish")), "POST")
        .then(function (answer) {
          put(document.getElementById("publish-result"), answer.html);
          return Promise.all([load("drafts"), load("news")]);
        })
        .catch(fail);
    }
  });

  function tgReady() {
    var app = webApp();
    if (app) {
      app.ready();
      if (app.expand) { app.expand(); }
    }
  }
  tgReady();
  window.addEventListener("load", tgReady);

  if (!initData) {
    fail(new Unauthorised());
    return;
  }
  call("/app/api/me").then(function (answer) {
    if (!answer.ok) { throw new Error(String(answer.status)); }
    put(document.getElementById("nav"), answer.html);
    var nav = document.getElementById("tabs");
    document.documentElement.lang = nav.getAttribute("data-lang");
    document.documentElement.dir = nav.getAttribute("data-dir");
    var views = Array.prototype.map.call(nav.querySelectorAll("button[data-view]"), function (b) {
      return b.getAttribute("data-view");
    });
    return Promise.all(views.map(load)).then(function () {
      statusLine.hidden = true;
      var title = document.querySelector("#view-agenda h2");
      if (title) { document.title = title.textContent; }
    });
  }).catch(fail);
})();
