// nianbao web: the login page's session check and the chat page. No framework, no build step.
"use strict";
(function () {
  var body = document.body;
  var base = body.dataset.base || "";
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";

  function newId() {
    var bytes = new Uint8Array(12), out = "", abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    crypto.getRandomValues(bytes);
    for (var i = 0; i < bytes.length; i++) out += abc[bytes[i] & 63];
    return out;
  }

  function sleep(ms) { return new Promise(function (r) { setTimeout(r, ms); }); }

  // ---- the login page: a browser that came by a link from a chat app sent no SameSite=Strict cookie
  // with that first request; this request sends it, and a signed-in browser goes on to its chat.
  if (body.dataset.page === "login") {
    fetch(base + "/api/session", {credentials: "same-origin"}).then(function (r) {
      if (r.ok) location.replace(base + "/");   // the root sends each person to their start page
    }).catch(function () {});
    return;
  }
  if (body.dataset.page !== "chat") return;

  var log = document.getElementById("log");
  var offline = document.getElementById("offline");
  var form = document.getElementById("say");
  var answer = document.getElementById("answer");
  var progress = document.getElementById("progress");
  var lastSeq = 0;
  var HEADER = /^(?:进度：)?(.+?) · (\d+)\/(\d+)\s*$/;

  function alertLine(text) {
    offline.textContent = text;
    offline.hidden = false;
  }

  async function post(path, payload) {
    payload.id = payload.id || newId();
    for (var attempt = 0; attempt < 5; attempt++) {   // the same id: a retry is the same message
      try {
        var r = await fetch(base + path, {
          method: "POST", credentials: "same-origin",
          headers: {"Content-Type": "application/json", "X-CSRF-Token": csrf},
          body: JSON.stringify(payload)
        });
        if (r.status === 401) { location.replace(base + "/login"); return false; }
        if (r.status === 429) { alertLine(log.dataset.tooFast); await sleep(1000); continue; }
        offline.hidden = true;
        return r.ok;
      } catch (e) {
        alertLine(offline.dataset.text || offline.textContent);
        await sleep(1000 * (attempt + 1));
      }
    }
    return false;
  }

  function say(text) {
    text = text.trim();
    if (text) post("/api/say", {text: text});
  }

  function spend(group) {
    group.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
    group.classList.add("spent");
  }

  function showProgress(text) {
    var first = text.split("\n", 1)[0];
    var m = HEADER.exec(first);
    if (!m) return;
    progress.hidden = false;
    document.getElementById("progress-text").textContent = m[1] + " · " + m[2] + "/" + m[3];
    var bar = document.getElementById("progress-bar");
    bar.max = Number(m[3]) || 1;
    bar.value = Math.min(Number(m[2]), bar.max);
  }

  function render(item) {
    var node = document.createElement("article");
    node.className = "msg " + (item.kind === "mine" ? "mine" : item.kind === "notice" ? "notice" : "bot");
    node.dataset.seq = item.seq;
    if (item.text) {
      var p = document.createElement("p");
      p.textContent = item.text;
      node.appendChild(p);
    }
    if (item.file) {
      var a = document.createElement("a");
      a.className = "file";
      a.href = item.file.url;
      a.setAttribute("download", item.file.name || "");
      a.textContent = log.dataset.download + " " + (item.file.name || "");
      node.insertBefore(a, node.firstChild);
    }
    if (item.buttons && item.buttons.length) {
      var group = document.createElement("div");
      group.className = "buttons";
      item.buttons.forEach(function (b) {
        var button = document.createElement("button");
        button.type = "button";
        button.textContent = b.label;
        button.dataset.id = b.data;
        button.addEventListener("click", function () {
          spend(group);
          post("/api/press", {button: b.data, label: b.label, under: item.seq});
        });
        group.appendChild(button);
      });
      node.appendChild(group);
    }
    if (item.kind === "mine") {   // answered: the buttons above are of the past
      log.querySelectorAll(".buttons:not(.spent)").forEach(spend);
    } else if (item.text) {
      showProgress(item.text);
    }
    log.appendChild(node);
  }

  function show(items) {
    items.forEach(function (item) {
      if (item.seq > lastSeq) { render(item); lastSeq = item.seq; }
    });
    if (items.length) window.scrollTo(0, document.documentElement.scrollHeight);
  }

  async function fetchMessages(wait) {
    var r = await fetch(base + "/api/messages?after=" + lastSeq + (wait ? "&wait=1" : ""),
                        {credentials: "same-origin"});
    if (r.status === 401) { location.replace(base + "/login"); throw new Error("signed out"); }
    if (r.status === 429) { await sleep(1000); return; }
    if (!r.ok) throw new Error("HTTP " + r.status);
    offline.hidden = true;
    show((await r.json()).messages);
  }

  async function poll() {
    var delay = 1000;
    for (;;) {
      try {
        await fetchMessages(true);
        delay = 1000;
      } catch (e) {
        if (e.message === "signed out") return;
        alertLine(offline.dataset.text);
        await sleep(delay);
        delay = Math.min(delay * 2, 15000);
      }
    }
  }

  offline.dataset.text = offline.textContent;
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    say(answer.value);
    answer.value = "";
    answer.style.height = "";
    answer.focus();
  });
  answer.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  answer.addEventListener("input", function () {
    answer.style.height = "";
    answer.style.height = Math.min(answer.scrollHeight, 160) + "px";
  });
  // A file (last year's report, a county's zip or roster): sent as it is, read by the workflow.
  var file = document.getElementById("file");
  file.addEventListener("change", async function () {
    if (!file.files.length) return;
    var data = new FormData();
    data.append("file", file.files[0]);
    try {
      var r = await fetch(base + "/api/upload", {
        method: "POST", credentials: "same-origin", body: data,
        headers: {"X-CSRF-Token": csrf, "X-Client-Id": newId()}
      });
      if (r.status === 401) { location.replace(base + "/login"); return; }
      if (!r.ok) alertLine(((await r.json().catch(function () { return {}; })).error) || log.dataset.tooFast);
    } catch (e) {
      alertLine(offline.dataset.text || offline.textContent);
    }
    file.value = "";
  });
  document.querySelectorAll(".shortcut").forEach(function (b) {
    b.addEventListener("click", function () { say(b.dataset.say); });
  });

  // The history this page has, then the current question asked of the workflow (「进度」), then news.
  fetchMessages(false).catch(function () {}).then(function () {
    return post("/api/resume", {});
  }).then(poll);
})();
