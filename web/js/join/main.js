// The participant's page, opened from an invite link
// (/join.html#session=ID&token=T). First a camera and microphone check, then
// the session over the signalling socket (docs/signalling.md).
//
// The child's view is large and calm: the people the server forwards (the
// judge, the questioner, the support officer), no names, no participant
// list, and a friendly screen during a break. Everyone else sees the court
// view; counsel write their questions to the judge, and see the recordings
// of the evidence when the judge's order allows them.

import { applyLanguage, onLanguageChange, t } from "../core/i18n.js";
import { h, tx, replace, field, status, showError } from "../core/ui.js";
import { languageSwitch, skipLink } from "../core/shell.js";

const CHILD_SIDE = ["child_witness", "guardian", "intermediary"];
const COUNSEL = ["prosecutor", "defence_counsel"];

function invite() {
  const p = new URLSearchParams(location.hash.slice(1) || location.search.slice(1));
  const token = p.get("token") || "";
  let claims = {};
  try {
    // Only to choose the view before connecting; the server checks the token.
    const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    claims = JSON.parse(atob(part));
  } catch {
    claims = {};
  }
  return { token, session: Number(p.get("session") || claims.sid || 0), role: claims.role || "", expires: claims.exp ? claims.exp * 1000 : null, node: socketBase(p.get("ws")) };
}

/** The hosting node's socket origin from the link (`ws=wss://node-a…`), or
 *  this page's own host. Only a bare ws:/wss: origin is taken. */
function socketBase(given) {
  const own = `${location.protocol === "https:" ? "wss:" : "ws:"}//${location.host}`;
  if (!given) return own;
  try {
    const u = new URL(given);
    const bare = (u.protocol === "wss:" || u.protocol === "ws:") && u.pathname === "/" && !u.search && !u.hash && !u.username;
    return bare ? u.origin.replace(/^http/, "ws") : own;
  } catch {
    return own;
  }
}

const state = {
  invite: invite(),
  stream: null,
  ws: null,
  pc: null,
  role: "",
  sessionState: "lobby",
  participants: [],
  remote: new Map(), // stream id → MediaStream
  retry: { attempt: 0, timer: null }, // reconnecting by itself, with backoff
};

// For the end-to-end tests and for a support officer's remote look: what
// this page receives, never what it could show.
window.amaan = state;

const isChild = () => state.role === "child_witness";
const isChildSide = () => CHILD_SIDE.includes(state.role);

function frame() {
  const header = document.getElementById("shell");
  replace(header, h("div", { class: "topbar" }, h("p", { class: "brand", i18n: "app.name" }), h("span", { class: "who" }), languageSwitch()));
}

function render(...content) {
  const main = document.getElementById("main");
  replace(main, ...content);
  applyLanguage();
}

// ---------- 1. the check ----------

async function check() {
  state.role = state.invite.role;
  document.body.classList.toggle("child-view", isChild());
  if (!state.invite.token || !state.invite.session) {
    return render(h("h1", { i18n: "join.title" }), h("div", { class: "notice error", role: "alert" }, tx("join.bad_link")));
  }
  if (state.invite.expires && state.invite.expires < Date.now()) {
    return render(h("h1", { i18n: "join.title" }), h("div", { class: "notice error", role: "alert" }, tx("join.expired_link")));
  }
  const preview = h("video", { autoplay: true, playsinline: true, id: "self-view", label: "join.self_view" });
  preview.muted = true;
  const meter = h("meter", { min: 0, max: 1, value: 0, id: "mic-level", label: "join.mic_level" });
  const msg = status();
  const go = h("button", { type: "button", id: "join-button", i18n: isChild() ? "child.ready" : "join.join" });
  go.disabled = true;
  const camState = h("p", { id: "cam-state", i18n: "join.checking" });
  render(
    h("h1", { i18n: isChild() ? "child.hello" : "join.title", class: isChild() ? "child-hello" : "" }),
    h("p", { i18n: isChild() ? "child.check_intro" : "join.check_intro" }),
    h("div", { class: "panel join-check" }, preview, camState, h("div", { class: "field" }, h("span", { class: "label", i18n: "join.mic_level" }), meter), go, msg),
    recordingsPanel(),
  );
  try {
    state.stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 640, height: 480 } });
    preview.srcObject = state.stream;
    camState.dataset.i18n = "join.camera_ok";
    camState.textContent = t("join.camera_ok");
    levelMeter(state.stream, meter);
  } catch (err) {
    camState.dataset.i18n = "join.camera_failed";
    camState.textContent = t("join.camera_failed");
    state.stream = null;
  }
  go.disabled = false;
  go.addEventListener("click", () => connect(msg));
  go.focus();
}

function levelMeter(stream, meter) {
  try {
    const ctx = new AudioContext();
    const analyser = ctx.createAnalyser();
    analyser.fftSize = 512;
    ctx.createMediaStreamSource(stream).connect(analyser);
    const data = new Uint8Array(analyser.fftSize);
    const tick = () => {
      if (!document.body.contains(meter)) return;
      analyser.getByteTimeDomainData(data);
      let peak = 0;
      for (const v of data) peak = Math.max(peak, Math.abs(v - 128) / 128);
      meter.value = peak;
      requestAnimationFrame(tick);
    };
    tick();
  } catch {
    /* no audio context: the meter stays still, the call still works */
  }
}

// ---------- 2. the session ----------

let inbox = Promise.resolve();

function send(msg) {
  if (state.ws && state.ws.readyState === WebSocket.OPEN) state.ws.send(JSON.stringify(msg));
}

/** The close code that tells the server this page is reconnecting (its
 *  console then shows "reconnecting", not "left"). */
const RECONNECTING = 4000;

/** The link dropped (socket closed, media failed): start again by itself
 *  with a new socket and a new peer connection (fresh ICE), 1 s, 2 s, 4 s …
 *  up to 15 s apart, without a click. */
function reconnect(msg) {
  if (state.retry.timer || state.sessionState === "ended") return;
  const old = state.ws;
  state.ws = null;
  if (old && old.readyState <= WebSocket.OPEN) old.close(RECONNECTING, "reconnecting");
  if (state.pc) state.pc.close();
  state.pc = null;
  state.remote.clear();
  state.sessionState = "reconnecting";
  draw();
  const delay = Math.min(15000, 1000 * 2 ** state.retry.attempt) + Math.floor(Math.random() * 300);
  state.retry.attempt += 1;
  state.retry.timer = setTimeout(() => {
    state.retry.timer = null;
    connect(msg);
  }, delay);
}

function connect(msg) {
  const url = `${state.invite.node}/ws/video-sessions/${state.invite.session}?token=${encodeURIComponent(state.invite.token)}`;
  let opened = false;
  const retrying = state.retry.attempt > 0;
  const ws = new WebSocket(url);
  state.ws = ws;
  ws.addEventListener("open", () => {
    opened = true;
    send({ type: "join" });
  });
  ws.addEventListener("message", (e) => {
    let m;
    try {
      m = JSON.parse(e.data);
    } catch {
      return;
    }
    // One message at a time: an offer must not overtake the answer before it.
    inbox = inbox.then(() => handle(m, msg)).catch((err) => showError(document.getElementById("session-msg") || msg, err));
  });
  ws.addEventListener("close", (e) => {
    if (state.ws !== ws) return; // a socket this page already gave up
    if (!opened && !retrying) {
      showError(msg, new Error(t("join.unavailable")));
      msg.dataset.unavailable = "video";
      return;
    }
    if (state.sessionState === "ended") return;
    // Ended, replaced by another tab, or withdrawn: not a dropped link.
    if (e.reason && /ended|replaced|withdrawn/.test(e.reason)) {
      state.sessionState = /ended/.test(e.reason) ? "ended" : "disconnected";
      draw();
      return;
    }
    reconnect(msg);
  });
}

async function handle(m, msg) {
  switch (m.type) {
    case "welcome":
      state.retry.attempt = 0;
      state.role = m.role;
      state.sessionState = m.state;
      document.body.classList.toggle("child-view", isChild());
      await startPeer(m.ice_servers || [], msg);
      draw();
      break;
    case "answer":
      await state.pc.setRemoteDescription({ type: "answer", sdp: m.sdp });
      break;
    case "offer":
      // The server adds or removes what it forwards to us.
      await state.pc.setRemoteDescription({ type: "offer", sdp: m.sdp });
      await state.pc.setLocalDescription(await state.pc.createAnswer());
      send({ type: "answer", sdp: state.pc.localDescription.sdp });
      break;
    case "participants":
      state.participants = m.items || [];
      drawPeople();
      labelTiles();
      break;
    case "state":
      state.sessionState = m.state;
      draw();
      break;
    case "question":
      addQuestion(m);
      break;
    case "question_sent":
      questionSent();
      break;
    case "error":
      if (m.code === "media_disconnected") {
        reconnect(msg);
        break;
      }
      showError(document.getElementById("session-msg") || msg, new Error(m.detail || m.code));
      break;
    default:
      break;
  }
}

async function startPeer(iceServers, msg) {
  const pc = new RTCPeerConnection({ iceServers });
  state.pc = pc;
  let stalled = null;
  pc.addEventListener("connectionstatechange", () => {
    if (state.pc !== pc) return;
    clearTimeout(stalled);
    // "disconnected" often heals by itself within seconds; "failed" does not.
    if (pc.connectionState === "failed") reconnect(msg);
    if (pc.connectionState === "disconnected") stalled = setTimeout(() => state.pc === pc && reconnect(msg), 5000);
  });
  if (state.stream) {
    for (const track of state.stream.getTracks()) pc.addTrack(track, state.stream);
  } else {
    // Without a camera the page still receives: the server adds what the
    // policy forwards in its own offers.
    pc.addTransceiver("audio", { direction: "recvonly" });
  }
  pc.addEventListener("icecandidate", (e) => {
    if (e.candidate) send({ type: "candidate", candidate: e.candidate.toJSON() });
  });
  pc.addEventListener("track", (e) => {
    const stream = e.streams[0] || new MediaStream([e.track]);
    state.remote.set(stream.id, stream);
    e.track.addEventListener("ended", () => drawStage());
    stream.addEventListener("removetrack", () => {
      if (!stream.getTracks().length) state.remote.delete(stream.id);
      drawStage();
    });
    drawStage();
  });
  await pc.setLocalDescription(await pc.createOffer());
  send({ type: "offer", sdp: pc.localDescription.sdp, channels: {} });
}

// ---------- 3. what each one sees ----------

function draw() {
  const s = state.sessionState;
  const stage = h("div", { id: "stage", class: isChild() ? "child-stage" : "stage" });
  const msg = h("div", { id: "session-msg", role: "status", "aria-live": "polite" });
  if (isChild()) {
    if (s === "break") return render(childBreak());
    if (s === "ended" || s === "disconnected") return render(childEnd());
    render(h("h1", { class: "child-hello", i18n: s === "live" ? "child.live" : "child.waiting" }), stage, msg);
    drawStage();
    return;
  }
  const banner = h("p", { class: "notice", id: "session-state", dataset: { state: s } }, tx("join.state"), " ", h("strong", { i18n: `vstate.${s}` }));
  const parts = [h("h1", {}, tx("join.court_view"), " · ", tx(`vrole.${state.role}`)), banner, msg];
  if (s === "ended" || s === "disconnected") {
    parts.push(h("p", { i18n: s === "ended" ? "join.ended" : "join.disconnected" }), recordingsPanel());
    return render(...parts);
  }
  parts.push(stage);
  if (!isChildSide()) parts.push(h("section", { class: "panel", "aria-labelledby": "people-h" }, h("h2", { id: "people-h", i18n: "join.participants" }), h("ul", { id: "people" })));
  if (COUNSEL.includes(state.role)) parts.push(questionBox());
  if (state.role === "judge") parts.push(h("section", { class: "panel", "aria-labelledby": "q-h" }, h("h2", { id: "q-h", i18n: "join.questions_received" }), h("ol", { id: "questions", class: "questions" })));
  render(...parts);
  drawStage();
  drawPeople();
}

// ---------- recordings, for counsel ----------

/** The recorded evidence, for counsel while the judge's order allows it.
 *  The panel stays hidden for everyone else and whenever the server refuses. */
function recordingsPanel() {
  const box = h("section", { class: "panel", id: "recordings", "aria-labelledby": "rec-h", hidden: true });
  if (!COUNSEL.includes(state.role)) return box;
  const token = encodeURIComponent(state.invite.token);
  // A plain fetch, not the staff API client: the invite is no staff login,
  // and a refusal here must not sign out a staff member on this browser.
  fetch(`/api/video-sessions/${state.invite.session}/recordings?token=${token}`, { headers: { Accept: "application/json" } })
    .then((res) => (res.ok ? res.json() : null))
    .then((data) => {
      if (!data) return;
      const items = data.items || [];
      replace(
        box,
        h("h2", { id: "rec-h", i18n: "join.recordings" }),
        items.length
          ? h(
              "ul",
              { id: "recording-list" },
              items.map((r) =>
                h(
                  "li",
                  { dataset: { recording: r.id } },
                  h("strong", { i18n: `vrole.${r.participant_role}` }),
                  " · ",
                  h("span", { text: r.kind }),
                  " · ",
                  h("a", { href: `${r.href}?token=${token}`, download: true, i18n: "join.download" }),
                  h("br"),
                  tx("recording.sha256"),
                  " ",
                  h("span", { class: "hash", text: r.sha256 }),
                ),
              ),
            )
          : h("p", { i18n: "join.recordings_none" }),
      );
      box.hidden = false;
    })
    .catch(() => {});
  return box;
}

function roleOfStream(id) {
  const pid = Number(String(id).replace(/^p/, ""));
  return state.participants.find((p) => p.participant_id === pid)?.role;
}

// One tile per received stream, kept across redraws so playback never restarts.
const tiles = new Map();

function tileFor(id, stream) {
  let tile = tiles.get(id);
  if (!tile) {
    const v = h("video", { autoplay: true, playsinline: true, dataset: { stream: id } });
    v.srcObject = stream;
    v.play().catch(() => {});
    tile = h("div", { class: "tile", dataset: { stream: id } }, v);
    tiles.set(id, tile);
  }
  const role = roleOfStream(id);
  const v = tile.querySelector("video");
  tile.querySelector(".name")?.remove();
  if (isChild()) {
    // The child is never shown who is who: no names, no roles.
    tile.dataset.role = "";
    v.setAttribute("aria-label", t("child.someone"));
  } else {
    tile.dataset.role = role || "";
    v.setAttribute("aria-label", t(role ? `vrole.${role}` : "join.participant"));
    tile.append(h("span", { class: "name", i18n: role ? `vrole.${role}` : "join.participant" }));
  }
  return tile;
}

function drawStage() {
  const stage = document.getElementById("stage");
  if (!stage) return;
  const shown = [];
  for (const [id, stream] of state.remote) {
    if (!stream.getTracks().some((tr) => tr.readyState === "live")) {
      tiles.delete(id);
      continue;
    }
    shown.push(tileFor(id, stream));
  }
  if (!shown.length) shown.push(h("p", { class: isChild() ? "child-hello" : "", i18n: isChild() ? "child.soon" : "join.no_video_yet" }));
  replace(stage, shown);
  for (const v of stage.querySelectorAll("video")) if (v.paused) v.play().catch(() => {});
}

function labelTiles() {
  if (isChild()) return;
  drawStage();
}

function drawPeople() {
  const list = document.getElementById("people");
  if (!list || isChildSide()) return;
  replace(list, state.participants.map((p) => h("li", { dataset: { role: p.role } }, h("strong", { i18n: `vrole.${p.role}` }), " · ", h("span", { text: p.display_name }))));
}

function childBreak() {
  return h(
    "div",
    { class: "child-break", id: "child-break", role: "status" },
    h("div", { class: "sun", "aria-hidden": "true" }),
    h("p", { class: "big", i18n: "child.break_title" }),
    h("p", { i18n: "child.break_body" }),
  );
}

function childEnd() {
  return h("div", { class: "child-break", id: "child-end", role: "status" }, h("p", { class: "big", i18n: "child.end_title" }), h("p", { i18n: "child.end_body" }));
}

// ---------- 4. questions through the judge ----------

function questionBox() {
  const text = h("textarea", { name: "question", rows: 3, maxlength: 2000, id: "question-text" });
  const sent = h("div", { id: "question-status", role: "status", "aria-live": "polite" });
  const form = h("form", { class: "stack", id: "question-form" }, field("join.question", text, "join.question_hint"), h("button", { type: "submit", i18n: "join.send_question" }), sent);
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const q = text.value.trim();
    if (!q) return text.focus();
    send({ type: "question", text: q });
  });
  return h("section", { class: "panel", "aria-labelledby": "qb-h" }, h("h2", { id: "qb-h", i18n: "join.questions" }), form);
}

function questionSent() {
  const text = document.getElementById("question-text");
  if (text) text.value = "";
  const s = document.getElementById("question-status");
  if (s) replace(s, h("div", { class: "notice ok" }, tx("join.question_sent")));
}

function addQuestion(m) {
  const list = document.getElementById("questions");
  if (!list) return;
  list.append(h("li", {}, h("strong", { i18n: `vrole.${m.from_role}` }), " · ", h("span", { text: m.from_name }), ": ", h("span", { text: m.text })));
}

frame();
skipLink();
applyLanguage();
onLanguageChange(() => drawStage());
check();
