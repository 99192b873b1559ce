// The sandbox page: a phone and the staff chat, drawn from the server's JSON and kept live
// with server-sent events. Text is built as DOM nodes from Telegram's entities; no HTML string
// from the bot or a user ever reaches innerHTML.
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);

  // -- talking to the sandbox server ------------------------------------------------------

  async function request(method, path, body, isForm) {
    const options = { method, headers: {} };
    if (method === "POST") options.headers["X-Sandbox"] = "1";
    if (body !== undefined) {
      if (isForm) {
        options.body = body;
      } else {
        options.headers["Content-Type"] = "application/json";
        options.body = JSON.stringify(body);
      }
    }
    const response = await fetch(path, options);
    const data = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(data.error || `${response.status} ${response.statusText}`);
    return data;
  }
  const get = (path) => request("GET", path);
  const post = (path, body) => request("POST", path, body || {});
  const upload = (path, form) => request("POST", path, form, true);

  // -- text direction: the first strong character outside isolates, as Telegram does ------

  const RTL_SCRIPT = /[\p{Script=Arabic}\p{Script=Hebrew}\p{Script=Syriac}\p{Script=Thaana}\p{Script=Nko}\p{Script=Adlam}\p{Script=Samaritan}\p{Script=Mandaic}\p{Script=Hanifi_Rohingya}]/u;
  const LETTER = /\p{L}/u;

  function firstStrong(text) {
    let depth = 0;
    for (const ch of text || "") {
      const code = ch.codePointAt(0);
      if (code >= 0x2066 && code <= 0x2068) { depth += 1; continue; }
      if (code === 0x2069) { if (depth > 0) depth -= 1; continue; }
      if (depth > 0) continue;
      if (code === 0x200f || code === 0x061c) return "rtl";
      if (code === 0x200e) return "ltr";
      if (LETTER.test(ch)) return RTL_SCRIPT.test(ch) ? "rtl" : "ltr";
    }
    return null;
  }
  const directionOf = (text, fallback) => firstStrong(text) || fallback;

  // -- Telegram text with entities -> DOM ---------------------------------------------------

  const SAFE_SCHEMES = ["http:", "https:", "mailto:", "tel:", "tg:"];
  function safeUrl(url) {
    try {
      const parsed = new URL(url, window.location.href);
      return SAFE_SCHEMES.includes(parsed.protocol) ? parsed.href : null;
    } catch (_error) {
      return null;
    }
  }

  function link(url, content) {
    const href = safeUrl(url);
    if (!href) return document.createElement("span");
    const a = document.createElement("a");
    a.href = href;
    if (href.startsWith("http")) {
      a.target = "_blank";
      a.rel = "noopener noreferrer";
    }
    return a;
  }

  const TAGS = {
    bold: "b", italic: "i", underline: "u", strikethrough: "s", code: "code",
    blockquote: "blockquote", expandable_blockquote: "blockquote",
  };

  function entityElement(entity, content, actions) {
    if (TAGS[entity.type]) return document.createElement(TAGS[entity.type]);
    switch (entity.type) {
      case "pre": return document.createElement("pre");
      case "text_link": return link(entity.url, content);
      case "url": return link(/^[a-z]+:/i.test(content) ? content : `https://${content}`, content);
      case "email": return link(`mailto:${content}`, content);
      case "phone_number": return link(`tel:${content}`, content);
      case "spoiler": {
        const span = document.createElement("span");
        span.className = "spoiler";
        span.tabIndex = 0;
        span.setAttribute("role", "button");
        span.setAttribute("aria-label", "Hidden text: activate to show");
        const reveal = () => span.classList.add("revealed");
        span.addEventListener("click", reveal);
        span.addEventListener("keydown", (event) => { if (event.key === "Enter") reveal(); });
        return span;
      }
      case "bot_command": {
        if (!actions || !actions.command) break;
        const button = document.createElement("button");
        button.type = "button";
        button.className = "command";
        button.addEventListener("click", () => actions.command(content));
        return button;
      }
      default: break;
    }
    const span = document.createElement("span");
    span.className = `entity-${entity.type}`;
    return span;
  }

  function buildText(text, start, end, entities, actions) {
    const fragment = document.createDocumentFragment();
    let position = start;
    let i = 0;
    while (i < entities.length) {
      const entity = entities[i];
      if (entity.offset < position) { i += 1; continue; }
      if (entity.offset >= end) break;
      const entityEnd = Math.min(entity.offset + entity.length, end);
      if (entity.offset > position) fragment.append(text.slice(position, entity.offset));
      const inner = [];
      let j = i + 1;
      while (j < entities.length && entities[j].offset < entityEnd) {
        if (entities[j].offset + entities[j].length <= entityEnd) inner.push(entities[j]);
        j += 1;
      }
      const element = entityElement(entity, text.slice(entity.offset, entityEnd), actions);
      element.append(buildText(text, entity.offset, entityEnd, inner, actions));
      fragment.append(element);
      position = entityEnd;
      i = j;
    }
    if (position < end) fragment.append(text.slice(position, end));
    return fragment;
  }

  function renderText(text, entities, actions) {
    const sorted = (entities || [])
      .filter((e) => e.length > 0)
      .slice()
      .sort((a, b) => a.offset - b.offset || b.length - a.length);
    return buildText(text, 0, text.length, sorted, actions);
  }

  // -- small DOM helpers --------------------------------------------------------------------

  function el(tag, className, text) {
    const element = document.createElement(tag);
    if (className) element.className = className;
    if (text !== undefined && text !== null) element.textContent = text;
    return element;
  }

  function formatSize(bytes) {
    if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
    if (bytes >= 1024) return `${Math.round(bytes / 1024)} kB`;
    return `${bytes} B`;
  }

  let toastTimer = null;
  function toast(text, alert) {
    const box = $("toast");
    box.textContent = text;
    box.classList.toggle("alert", Boolean(alert));
    box.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { box.hidden = true; }, alert ? 6000 : 3000);
  }
  $("toast").addEventListener("click", () => { $("toast").hidden = true; });

  async function attempt(work) {
    try {
      return await work();
    } catch (error) {
      toast(error.message, true);
      return null;
    }
  }

  // -- one chat view (the phone, or the staff chat) -----------------------------------------

  class ChatView {
    constructor(list, options) {
      this.list = list;
      this.options = options; // {isOwn(m), showSender, fallback(), actions(m), visible(m)}
      this.messages = new Map();
      // Pinned to the newest message unless the reader scrolled up, as in Telegram.
      this.pinned = true;
      const follow = () => { if (this.pinned) this.list.scrollTop = this.list.scrollHeight; };
      list.addEventListener("scroll", () => { this.pinned = this.isNearEnd(); });
      list.addEventListener("load", follow, true); // photos that finish loading
      new ResizeObserver(follow).observe(list); // a keyboard that appears or goes
    }

    reset(messages) {
      this.messages = new Map(messages.map((m) => [m.id, m]));
      this.redraw();
    }

    redraw() {
      this.list.replaceChildren();
      for (const message of [...this.messages.values()].sort((a, b) => a.id - b.id)) {
        if (this.options.visible(message)) this.list.append(this.draw(message));
      }
      this.separateDays();
      this.pinned = true;
      this.scrollToEnd();
    }

    upsert(message) {
      this.messages.set(message.id, message);
      const old = this.list.querySelector(`li[data-id="${message.id}"]`);
      if (!this.options.visible(message)) {
        if (old) old.remove();
        return;
      }
      const drawn = this.draw(message);
      if (old) {
        old.replaceWith(drawn);
      } else {
        const later = [...this.list.querySelectorAll("li.msg")].find((li) => Number(li.dataset.id) > message.id);
        this.list.insertBefore(drawn, later || null);
      }
      this.separateDays();
      if (this.options.isOwn(message)) this.pinned = true;
      this.scrollToEnd();
    }

    remove(messageId) {
      this.messages.delete(messageId);
      const old = this.list.querySelector(`li[data-id="${messageId}"]`);
      if (old) old.remove();
      this.separateDays();
    }

    separateDays() {
      // A date above the first message of each day (sandbox days: the clock can jump).
      for (const line of this.list.querySelectorAll("li.day")) line.remove();
      let previous = null;
      for (const li of [...this.list.children]) {
        const message = this.messages.get(Number(li.dataset.id));
        if (!message || !message.day || message.day === previous) continue;
        previous = message.day;
        const line = el("li", "day");
        line.append(el("span", "", message.day));
        this.list.insertBefore(line, li);
      }
    }

    isNearEnd() {
      const list = this.list;
      return list.scrollHeight - list.scrollTop - list.clientHeight < 120;
    }

    scrollToEnd() {
      if (this.pinned) this.list.scrollTop = this.list.scrollHeight;
    }

    draw(message) {
      const li = el("li", "msg");
      li.dataset.id = String(message.id);
      if (message.service) {
        li.classList.add("service");
        li.append(el("span", "", serviceText(message.service)));
        return li;
      }
      const own = this.options.isOwn(message);
      li.classList.add(own ? "out" : "in");
      if (message.from_bot) li.classList.add("from-bot");
      const bubble = el("div", "bubble");
      const fallback = this.options.fallback();
      bubble.dir = directionOf(message.text || (message.venue && message.venue.title) || "", fallback);
      if (this.options.showSender && !own) {
        bubble.append(el("strong", "sender", message.sender.is_bot ? "Inburgerbot" : message.sender.name));
      }
      if (message.forwarded) bubble.append(el("small", "forwarded", "Forwarded message"));
      if (message.reply_to) {
        const quote = el("div", "quote", message.reply_to.text || "…");
        quote.dir = "auto";
        bubble.append(quote);
      }
      const media = drawMedia(message.media);
      if (media) bubble.append(media);
      if (message.venue) bubble.append(drawVenue(message.venue));
      if (message.location) bubble.append(drawLocation(message.location));
      if (message.contact) {
        bubble.append(el("div", "contact", `👤 ${message.contact.name} · ${message.contact.phone}`));
      }
      if (message.text) {
        const text = el("div", "text");
        text.append(renderText(message.text, message.entities, this.options.actions(message)));
        bubble.append(text);
      }
      const meta = el("span", "meta", `${message.edited ? "edited " : ""}${message.time || ""}`);
      meta.dir = "ltr";
      if (message.day) meta.title = `${message.day}, ${message.time}`;
      bubble.append(meta);
      li.append(bubble);
      if (message.inline_keyboard && message.inline_keyboard.length) {
        li.append(drawInlineKeyboard(message, this.options.actions(message), fallback));
      }
      return li;
    }
  }

  function serviceText(service) {
    switch (service.kind) {
      case "topic_created": return `Topic created: ${service.name || ""}`;
      case "topic_edited": return service.name ? `Topic renamed: ${service.name}` : "Topic changed";
      case "topic_closed": return "Topic closed";
      case "topic_reopened": return "Topic reopened";
      default: return service.kind;
    }
  }

  function drawMedia(media) {
    if (!media) return null;
    if (media.kind === "photo") {
      const img = el("img", "photo");
      img.src = media.url;
      img.alt = "Photo";
      img.loading = "lazy";
      return img;
    }
    if (media.kind === "voice" || media.kind === "audio") {
      const audio = el("audio", "voice");
      audio.controls = true;
      audio.src = media.url;
      audio.setAttribute("aria-label", "Voice message");
      return audio;
    }
    if (media.kind === "sticker") return el("div", "sticker", media.emoji || "🖼");
    const a = el("a", "file");
    a.href = media.url;
    a.download = media.name || "file";
    a.append(el("span", "file-icon", "📄"));
    const label = el("span", "file-name", media.name || media.kind);
    label.dir = "auto";
    const size = el("small", "file-size", formatSize(media.size || 0));
    size.dir = "ltr";
    a.append(label, size);
    a.setAttribute("aria-label", `Download ${media.name || media.kind}`);
    return a;
  }

  function mapLink(url) {
    const a = el("a", "map-link", "Open the map");
    a.href = url;
    a.target = "_blank";
    a.rel = "noopener noreferrer";
    return a;
  }

  function drawVenue(venue) {
    const box = el("div", "venue");
    box.append(el("span", "pin", "📍"));
    const body = el("div");
    const title = el("strong", "", venue.title);
    title.dir = "auto";
    const address = el("div", "address", venue.address);
    address.dir = "ltr"; // Dutch addresses read left to right in every language
    body.append(title, address, mapLink(venue.map_url));
    box.append(body);
    return box;
  }

  function drawLocation(location) {
    const box = el("div", "venue");
    box.append(el("span", "pin", "📍"));
    const body = el("div");
    body.append(el("strong", "", "Location"), mapLink(location.map_url));
    box.append(body);
    return box;
  }

  function drawInlineKeyboard(message, actions, fallback) {
    const box = el("div", "inline-keyboard");
    box.setAttribute("role", "group");
    box.setAttribute("aria-label", "Buttons of the message");
    for (const row of message.inline_keyboard) {
      const line = el("div", "row");
      for (const button of row) {
        let control;
        if (button.action === "url" && safeUrl(button.url)) {
          control = el("a", "inline-button", button.text);
          control.href = safeUrl(button.url);
          control.target = "_blank";
          control.rel = "noopener noreferrer";
        } else {
          control = el("button", "inline-button", button.text);
          control.type = "button";
          if (button.action === "callback" && actions && actions.press) {
            control.addEventListener("click", () => actions.press(message, button.data));
          } else if (button.action === "copy") {
            control.addEventListener("click", () => {
              navigator.clipboard.writeText(button.copy).then(() => toast("Copied"), () => toast(button.copy));
            });
          } else {
            control.disabled = true;
          }
        }
        control.dir = directionOf(button.text, fallback);
        line.append(control);
      }
      box.append(line);
    }
    return box;
  }

  // -- the page's state ---------------------------------------------------------------------

  const page = {
    staffChatId: null,
    phoneId: null,
    phoneDir: "ltr",
    staffUser: null,
    thread: null, // null: General
    topics: [],
    unread: new Set(),
    clients: [],
  };

  const phone = new ChatView($("phone-messages"), {
    isOwn: (m) => !m.from_bot,
    showSender: false,
    fallback: () => page.phoneDir,
    visible: () => true,
    actions: () => ({
      press: (message, data) => attempt(() => post(`/api/chats/${page.phoneId}/press`, { message_id: message.id, data })),
      command: (command) => sendPhoneText(command),
    }),
  });

  const staff = new ChatView($("staff-messages"), {
    isOwn: (m) => !m.from_bot && m.sender.id === page.staffUser,
    showSender: true,
    fallback: () => "ltr",
    visible: (m) => (m.thread_id || null) === page.thread,
    actions: () => ({
      press: (message, data) => attempt(() => post(`/api/chats/${page.staffChatId}/press`, { message_id: message.id, data, user_id: page.staffUser })),
      command: (command) => sendStaffText(command),
    }),
  });

  // -- the phone ----------------------------------------------------------------------------

  function setPhoneLanguage(info) {
    // Only the chat and the bot's keyboard take the phone's direction: the page's own texts
    // around them (the Start hint, the composer's labels) stay left to right.
    page.phoneDir = info.rtl ? "rtl" : "ltr";
    const device = $("phone-device");
    device.dataset.locale = info.locale;
    device.dataset.dir = page.phoneDir;
    $("phone-messages").dir = page.phoneDir;
    $("phone-keyboard").dir = page.phoneDir;
  }

  function updateStart() {
    $("phone-start").hidden = phone.messages.size > 0;
  }

  function drawReplyKeyboard(keyboard) {
    const box = $("phone-keyboard");
    box.replaceChildren();
    box.hidden = !keyboard;
    if (!keyboard) return;
    for (const row of keyboard.rows) {
      const line = el("div", "row");
      for (const button of row) {
        const control = el("button", "key", button.text);
        control.type = "button";
        control.dir = directionOf(button.text, page.phoneDir);
        control.addEventListener("click", () => {
          if (button.request) {
            attempt(() => post(`/api/chats/${page.phoneId}/share`, { what: button.request }));
          } else {
            sendPhoneText(button.text);
          }
        });
        line.append(control);
      }
      box.append(line);
    }
    if (keyboard.placeholder) $("phone-text").placeholder = keyboard.placeholder;
  }

  async function loadPhone() {
    const view = await get(`/api/chats/${page.phoneId}`);
    setPhoneLanguage(view.phone);
    phone.reset(view.messages);
    drawReplyKeyboard(view.keyboard);
    updateStart();
  }

  function sendPhoneText(text) {
    return attempt(() => post(`/api/chats/${page.phoneId}/messages`, { text }));
  }

  $("phone-composer").addEventListener("submit", (event) => {
    event.preventDefault();
    const input = $("phone-text");
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    sendPhoneText(text);
  });

  $("phone-file").addEventListener("change", () => {
    const input = $("phone-file");
    const file = input.files && input.files[0];
    if (!file) return;
    const form = new FormData();
    form.append("file", file, file.name);
    const caption = $("phone-text").value.trim();
    if (caption) form.append("caption", caption);
    $("phone-text").value = "";
    input.value = "";
    attempt(() => upload(`/api/chats/${page.phoneId}/files`, form));
  });

  $("start-button").addEventListener("click", () => {
    $("phone-start").hidden = true;
    attempt(() => post(`/api/chats/${page.phoneId}/start`));
  });

  $("client-select").addEventListener("change", (event) => {
    page.phoneId = Number(event.target.value);
    attempt(loadPhone);
  });

  // -- the staff chat -----------------------------------------------------------------------

  function lastActivity(threadId) {
    let last = 0;
    for (const message of staff.messages.values()) {
      if ((message.thread_id || null) === threadId && message.id > last) last = message.id;
    }
    return last;
  }

  function drawTopics() {
    const current = page.topics.find((t) => t.thread_id === page.thread);
    $("thread-title").textContent = current ? current.name : "General";
    const list = $("topic-list");
    list.replaceChildren();
    const entries = [{ thread_id: null, name: "General", color: "#8e8e93", closed: false }, ...page.topics];
    entries.sort((a, b) => (a.thread_id === null ? -1 : b.thread_id === null ? 1 : lastActivity(b.thread_id) - lastActivity(a.thread_id)));
    for (const topic of entries) {
      const li = el("li");
      const button = el("button", "topic");
      button.type = "button";
      button.dataset.thread = topic.thread_id === null ? "" : String(topic.thread_id);
      const dot = el("span", "dot");
      dot.style.backgroundColor = topic.color;
      const name = el("span", "topic-name", topic.name);
      name.dir = "auto";
      button.append(dot, name);
      if (topic.closed) button.append(el("span", "closed", "🔒"));
      if (page.unread.has(topic.thread_id)) {
        button.classList.add("unread");
        button.append(el("span", "visually-hidden", " (new messages)"));
      }
      if (topic.thread_id === page.thread) button.setAttribute("aria-current", "true");
      button.addEventListener("click", () => selectThread(topic.thread_id));
      li.append(button);
      list.append(li);
    }
  }

  function selectThread(threadId) {
    page.thread = threadId;
    page.unread.delete(threadId);
    drawTopics();
    staff.redraw();
  }

  async function loadStaff() {
    const view = await get(`/api/chats/${page.staffChatId}`);
    page.topics = view.topics;
    if (page.thread !== null && !page.topics.some((t) => t.thread_id === page.thread)) page.thread = null;
    staff.reset(view.messages);
    drawTopics();
  }

  function sendStaffText(text) {
    return attempt(() => post(`/api/chats/${page.staffChatId}/messages`, {
      text, user_id: page.staffUser, thread_id: page.thread,
    }));
  }

  $("staff-composer").addEventListener("submit", (event) => {
    event.preventDefault();
    const input = $("staff-text");
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    sendStaffText(text);
  });

  $("staff-file").addEventListener("change", () => {
    const input = $("staff-file");
    const file = input.files && input.files[0];
    if (!file) return;
    const form = new FormData();
    form.append("file", file, file.name);
    form.append("user_id", String(page.staffUser));
    if (page.thread !== null) form.append("thread_id", String(page.thread));
    const caption = $("staff-text").value.trim();
    if (caption) form.append("caption", caption);
    $("staff-text").value = "";
    input.value = "";
    attempt(() => upload(`/api/chats/${page.staffChatId}/files`, form));
  });

  $("staff-select").addEventListener("change", (event) => {
    page.staffUser = Number(event.target.value);
    staff.redraw();
  });

  // -- the clock ----------------------------------------------------------------------------

  function showClock(clock) {
    const output = $("clock-now");
    output.textContent = clock.label;
    output.dataset.now = clock.now;
    output.title = clock.zone;
  }

  for (const button of document.querySelectorAll("[data-advance]")) {
    button.addEventListener("click", async () => {
      const buttons = document.querySelectorAll("[data-advance]");
      buttons.forEach((b) => { b.disabled = true; });
      const clock = await attempt(() => post("/api/clock", { seconds: Number(button.dataset.advance) }));
      if (clock) showClock(clock);
      buttons.forEach((b) => { b.disabled = false; });
    });
  }

  // -- the back-office beside the phone ------------------------------------------------------

  function showBackoffice(backoffice) {
    if (!backoffice) return;
    // The page's own host name, so the back-office's session cookie stays on the same site.
    const host = location.hostname.includes(":") && !location.hostname.startsWith("[")
      ? `[${location.hostname}]` : location.hostname;
    const url = `${location.protocol}//${host}:${backoffice.port}/`;
    for (const id of ["backoffice-link", "backoffice-open"]) $(id).href = url;
    $("backoffice-link").hidden = false;
    $("backoffice").hidden = false;
    $("backoffice-frame").src = url;
    document.body.classList.add("with-backoffice");
  }

  // -- the guided path: ticked off from what the sandbox stored (GET /api/tour) ---------------

  const TOUR_POLL_MS = 1500;

  function showTour(view) {
    let done = 0;
    for (const step of view.steps) {
      const item = document.querySelector(`#guide-steps [data-step="${step.key}"]`);
      if (!item) continue;
      item.classList.toggle("done", step.done);
      item.dataset.done = String(step.done);
      item.querySelector(".step-state").textContent = step.done ? "done" : "not done yet";
      if (step.done) done += 1;
    }
    $("guide").dataset.done = String(done);
    $("guide-count").textContent = `${done} of ${view.steps.length} done`;
    return done === view.steps.length;
  }

  async function pollTour() {
    let finished = false;
    try {
      finished = showTour(await get("/api/tour"));
    } catch (error) {
      finished = false; // the sandbox is busy or restarting: look again in a moment
    }
    if (!finished) setTimeout(pollTour, TOUR_POLL_MS);
  }

  function startTour(guide) {
    if (!guide) return;
    for (const name of document.querySelectorAll(".guide-name")) name.textContent = guide.first_name;
    $("guide").hidden = false;
    // Folded on a phone-sized screen, where the five steps would push the phone far down.
    if (window.matchMedia("(max-width: 860px)").matches) $("guide-details").open = false;
    document.body.classList.add("with-guide");
    pollTour();
  }

  // -- live updates -------------------------------------------------------------------------

  function onEvent(event) {
    const chatId = event.chat_id;
    switch (event.type) {
      case "hello":
      case "clock":
        showClock(event);
        break;
      case "message":
        if (chatId === page.phoneId) {
          phone.upsert(event.message);
          updateStart();
        } else if (chatId === page.staffChatId) {
          staff.upsert(event.message);
          const thread = event.message.thread_id || null;
          if (thread !== page.thread) page.unread.add(thread);
          drawTopics();
        }
        break;
      case "delete":
        if (chatId === page.phoneId) phone.remove(event.message_id);
        if (chatId === page.staffChatId) staff.remove(event.message_id);
        break;
      case "keyboard":
        if (chatId === page.phoneId) drawReplyKeyboard(event.keyboard);
        break;
      case "phone":
        if (chatId === page.phoneId) {
          setPhoneLanguage(event);
          attempt(loadPhone);
        }
        break;
      case "topics":
        if (chatId === page.staffChatId) {
          page.topics = event.topics;
          if (page.thread !== null && !page.topics.some((t) => t.thread_id === page.thread)) selectThread(null);
          drawTopics();
        }
        break;
      case "toast":
        if (chatId === page.phoneId || (chatId === page.staffChatId && event.user_id === page.staffUser)) {
          toast(event.text, event.alert);
        }
        break;
      default:
        break;
    }
  }

  function connect() {
    const source = new EventSource("/api/events");
    const status = $("connection");
    let opened = false;
    source.onopen = () => {
      status.textContent = "live";
      status.classList.add("live");
      document.body.dataset.live = "true";
      if (opened) attempt(() => Promise.all([loadPhone(), loadStaff()]));
      opened = true;
    };
    source.onerror = () => {
      status.textContent = "reconnecting…";
      status.classList.remove("live");
      document.body.dataset.live = "false";
    };
    source.onmessage = (message) => {
      try {
        onEvent(JSON.parse(message.data));
      } catch (error) {
        console.error(error); // eslint-disable-line no-console
      }
    };
  }

  // -- start ---------------------------------------------------------------------------------

  function option(value, label) {
    const item = el("option", "", label);
    item.value = String(value);
    return item;
  }

  async function main() {
    const state = await get("/api/state");
    showClock(state.clock);
    $("bot-name").textContent = state.bot.name;
    $("staff-chat-title").textContent = state.staff_chat.title;
    $("relay-note").hidden = state.relay;
    if (state.open_klant) {  // --common-ground: the fake Open Klant's page of klantcontacten
      $("open-klant-link").href = state.open_klant;
      $("open-klant-link").hidden = false;
    }
    page.staffChatId = state.staff_chat.chat_id;
    page.clients = state.clients;
    const clients = $("client-select");
    for (const client of state.clients) {
      clients.append(option(client.user_id, `${client.first_name} (${client.ref}, ${client.municipality})`));
    }
    const staffSelect = $("staff-select");
    for (const member of state.staff) {
      staffSelect.append(option(member.user_id, `${member.name} (${member.role.replace("_", " ")})`));
    }
    page.phoneId = state.clients.length ? state.clients[0].user_id : null;
    showBackoffice(state.backoffice);
    startTour(state.guide);
    page.staffUser = state.staff.length ? state.staff[0].user_id : null;
    connect();
    await Promise.all([page.phoneId ? loadPhone() : null, loadStaff()]);
    document.body.dataset.ready = "true";
  }

  attempt(main);
})();
