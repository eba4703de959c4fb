// The session console for one hearing: invite links (copy, QR), who is
// connected, the visibility in effect as a who-sees-whom matrix, start /
// break / resume / end, the ground rules' timers, the judge's order, and
// the recording with its SHA-256 hashes. The judge opens it too, to make
// the order; only the support officer opens sessions and invites. Once a
// session with the child has ended, the console offers to mark the child's
// evidence recorded (in full, or in part and why it continues), for the
// judge who sat, with the recordings' hashes attached.

import * as api from "../core/api.js";
import { h, tx, code, when, field, select, dataSelect, checkbox, replace, status, showError, showOk, notAvailable, formData, t } from "../core/ui.js";
import { heading } from "../core/shell.js";
import { qrCanvas } from "../core/qr.js";
import { onLanguageChange } from "../core/i18n.js";

export const VIDEO_ROLES = ["child_witness", "guardian", "intermediary", "support_officer", "judge", "prosecutor", "defence_counsel", "accused", "observer"];
/** A child-side invite is tied to a party of the case in one of these
 *  roles; the server shows it by the pseudonym to those who may not see the
 *  child's name. */
const CHILD_SIDE_PARTIES = { child_witness: ["child_witness"], guardian: ["guardian", "support_person"], intermediary: ["intermediary"] };
const COUNSEL_ROLES = ["prosecutor", "defence_counsel"];
const POLL_MS = 3000;

let poller = null;

export function mount(el, ctx, [hearingArg]) {
  clearInterval(poller);
  el.append(heading("console", "support.console"));
  if (!hearingArg) {
    el.append(h("p", {}, h("a", { href: "#sessions", i18n: "support.pick_hearing" })));
    return;
  }
  const msg = status();
  const body = h("div", { id: "console" });
  el.append(msg, body);
  open(body, msg, Number(hearingArg), ctx);
}

/** The hearing's session: made if there is none yet. A judge does not make
 *  sessions, so finds the one the support officer made. */
async function sessionFor(hearingId, isJudge) {
  if (isJudge) return api.get(`/api/hearings/${hearingId}/video-session`);
  try {
    return await api.post(`/api/hearings/${hearingId}/video-session`, {});
  } catch (err) {
    // A second visit finds the session the first one opened; the conflict
    // names it: "the hearing already has an open video session (12)".
    const open = err.status === 409 && /\((\d+)\)/.exec(err.message || "");
    if (open) return api.get(`/api/video-sessions/${open[1]}`);
    throw err;
  }
}

async function open(body, msg, hearingId, ctx) {
  const isJudge = ctx.session.role === "judge";
  replace(body, h("p", { i18n: "loading" }));
  let session;
  let about;
  let theCase;
  try {
    const hearing = await api.get(`/api/hearings/${hearingId}`);
    body.dataset.hearing = hearing.id;
    const c = await api.get(`/api/cases/${hearing.case_id}`);
    theCase = c;
    about = h("p", { class: "lead", id: "console-hearing" }, code(c.number), " · ", tx(`kind.${hearing.kind}`), hearing.starts_at ? [" · ", when(hearing.starts_at)] : null);
    session = await sessionFor(hearingId, isJudge);
  } catch (err) {
    if (err.unavailable) return replace(body, notAvailable("support.console"));
    replace(body);
    return showError(msg, err);
  }
  const sessionId = session.id ?? session.session_id;
  const stateBox = h("div", { class: "panel", id: "session-state" });
  const controls = h("div", { class: "panel" });
  const people = h("div", { class: "panel", id: "participants" });
  const matrix = h("div", { class: "panel", id: "visibility" });
  const invites = h("div", { class: "panel", id: "invites" });
  const recording = h("div", { class: "panel", id: "recording" });
  const orderBox = h("div", { class: "panel", id: "order" });
  const evidenceBox = h("div", { class: "panel", id: "evidence", hidden: true });
  replace(body, about, h("div", { class: "console" }, stateBox, controls, evidenceBox, isJudge ? null : invites, orderBox, people, matrix, recording));
  controls.append(h("h2", { i18n: "support.controls" }), stateButtons(sessionId, msg, () => refresh()));
  if (!isJudge) invites.append(h("h2", { i18n: "support.invites" }), inviteForm(sessionId, msg, invites, theCase));
  orderBox.append(h("h2", { i18n: "order.title" }), orderForm(sessionId, msg, isJudge, () => refresh()));
  let last = session;
  const refresh = async () => {
    try {
      last = await api.get(`/api/video-sessions/${sessionId}`);
      last.visibility = await visibility(sessionId);
      last.recording = await recordings(sessionId);
    } catch (err) {
      if (err.status !== 404) showError(msg, err);
    }
    draw(last);
  };
  const draw = (s) => {
    replace(stateBox, h("h2", { i18n: "support.state" }), h("p", { class: "state-big", id: "state-now", dataset: { state: s.state || "" }, i18n: `vstate.${s.state || "lobby"}` }), timers(s));
    replace(people, h("h2", { i18n: "support.connected" }), participants(s));
    replace(matrix, h("h2", { i18n: "support.visibility" }), visibilityMatrix(s));
    replace(recording, h("h2", { i18n: "support.recording" }), recordingState(s));
    updateButtons(controls, s.state);
    updateOrder(orderBox, s, isJudge);
    evidencePanel(evidenceBox, s, hearingId, msg);
  };
  draw(session);
  poller = setInterval(() => {
    if (!document.body.contains(body)) return clearInterval(poller);
    refresh();
  }, POLL_MS);
  refresh();
}

const TRANSITIONS = [
  ["start", "live", ["lobby"]],
  ["break", "break", ["live"]],
  ["resume", "live", ["break"]],
  ["end", "ended", ["lobby", "live", "break"]],
];

function stateButtons(sessionId, msg, refresh) {
  return h(
    "div",
    { class: "actions", id: "state-buttons" },
    TRANSITIONS.map(([name, to]) => {
      const b = h("button", { type: "button", i18n: `support.${name}`, id: `btn-${name}`, class: name === "end" ? "danger" : name === "break" ? "secondary" : "", dataset: { to } });
      b.addEventListener("click", async () => {
        if (name === "end" && !window.confirm(t("support.confirm_end"))) return;
        try {
          await api.post(`/api/video-sessions/${sessionId}/state`, { state: to });
          showOk(msg, `support.done_${name}`);
          refresh();
        } catch (err) {
          showError(msg, err);
        }
      });
      return b;
    }),
  );
}

function updateButtons(controls, state) {
  for (const [name, , from] of TRANSITIONS) {
    const b = controls.querySelector(`#btn-${name}`);
    if (b) b.disabled = !from.includes(state || "lobby");
  }
}

// The judge's special-measures order, as the session holds it. Once the
// session has ended only access to its recordings may still change.
const ORDER = [
  ["questions_through_judge", "order.questions_through_judge"],
  ["accused_may_see_child", "order.accused_may_see_child"],
  ["counsel_may_view_recordings", "order.counsel_may_view_recordings"],
];
const AFTER_THE_END = ["counsel_may_view_recordings"];

function orderForm(sessionId, msg, isJudge, refresh) {
  const form = h("form", { class: "stack", id: "order-form" }, ORDER.map(([name, key]) => checkbox(key, name)), isJudge ? null : h("p", { class: "hint", i18n: "order.judge_only" }));
  for (const input of form.querySelectorAll("input[type=checkbox]")) {
    input.disabled = true;
    input.addEventListener("change", async () => {
      try {
        await api.patch(`/api/video-sessions/${sessionId}/settings`, { [input.name]: input.checked });
        showOk(msg, "order.saved");
      } catch (err) {
        input.checked = !input.checked;
        showError(msg, err);
      }
      refresh();
    });
  }
  form.addEventListener("submit", (e) => e.preventDefault());
  return form;
}

function updateOrder(box, s, isJudge) {
  for (const input of box.querySelectorAll("input[type=checkbox]")) {
    if (typeof s[input.name] === "boolean") input.checked = s[input.name];
    input.disabled = !isJudge || (s.state === "ended" && !AFTER_THE_END.includes(input.name));
  }
}

/** The who-sees-whom matrix the server's policy puts in effect now. */
async function visibility(sessionId) {
  try {
    return await api.get(`/api/video-sessions/${sessionId}/visibility`);
  } catch {
    return null;
  }
}

/** The session's recordings and their hashes (the files stay with the judge). */
async function recordings(sessionId) {
  try {
    const r = await api.get(`/api/video-sessions/${sessionId}/recordings`);
    return { files: r.items || [] };
  } catch (err) {
    return { files: [], denied: err.status === 403 };
  }
}

function fmt(seconds) {
  if (seconds == null) return "—";
  const s = Math.max(0, Math.round(seconds));
  return `${String(Math.floor(s / 60)).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;
}

function timers(s) {
  const tm = s.timers || {};
  const rows = [
    ["timer.live", tm.seconds_live],
    ["timer.since_break", tm.seconds_since_break],
    ["timer.on_break", tm.seconds_on_break],
    ["timer.next_break", tm.break_due_in_seconds],
    ["timer.questioning_left", tm.questioning_seconds_left],
  ].filter(([, v]) => v !== undefined && v !== null);
  return h(
    "div",
    {},
    rows.length ? h("dl", { class: "timers" }, rows.map(([k, v]) => [h("dt", { i18n: k }), h("dd", { class: "timer ltr", text: fmt(v) })])) : null,
    (tm.reminders || s.reminders || []).map((r) => h("p", { class: "notice", text: r })),
  );
}

function participants(s) {
  const list = (s.participants || []).filter((p) => !p.revoked);
  const count = h("p", { id: "connected-count" }, tx("support.connected_count", { n: s.connected ?? 0 }));
  if (!list.length) return h("div", {}, count, h("p", { i18n: "support.nobody" }));
  return h(
    "div",
    {},
    count,
    h(
      "ul",
      { id: "participant-list" },
      list.map((p) => h("li", { dataset: { role: p.role, participant: p.id } }, h("strong", { i18n: `vrole.${p.role}` }), p.display_name ? [" · ", h("span", { text: p.display_name })] : null, p.presence ? [" · ", h("span", { class: `presence ${p.presence}`, dataset: { presence: p.presence }, i18n: p.presence === "here" ? "support.online" : "support.reconnecting" })] : null, p.link ? [" · ", h("span", { class: `link ${p.link.quality}`, dataset: { link: p.link.quality }, i18n: `support.link_${p.link.quality}` })] : null, p.link?.video_shed ? [" · ", h("span", { class: "link shed", dataset: { videoShed: "true" }, i18n: "support.video_shed" })] : null)),
    ),
  );
}

function visibilityMatrix(s) {
  const m = s.visibility || s.matrix;
  if (!m) return h("p", { i18n: "support.no_matrix" });
  // Either { roles:[], cells:[[{audio,video}]] } or [{sender, receiver, audio, video}].
  let roles = m.roles;
  let cell;
  if (Array.isArray(m)) {
    roles = [...new Set(m.flatMap((x) => [x.sender, x.receiver]))];
    cell = (from, to) => m.find((x) => x.sender === from && x.receiver === to);
  } else {
    cell = (from, to) => m.cells?.[roles.indexOf(from)]?.[roles.indexOf(to)];
  }
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { class: "matrix", id: "matrix" },
      h("caption", { i18n: "support.matrix_caption" }),
      h("thead", {}, h("tr", {}, h("th", { scope: "col", i18n: "support.sender_receiver" }), roles.map((r) => h("th", { scope: "col", i18n: `vrole.${r}` })))),
      h(
        "tbody",
        {},
        roles.map((from) =>
          h(
            "tr",
            {},
            h("th", { scope: "row", i18n: `vrole.${from}` }),
            roles.map((to) => {
              const c = cell(from, to) || {};
              const media = c.media || c;
              const kind = media.video ? "yes" : media.audio ? "audio" : "no";
              return h("td", { class: kind, dataset: { from, to }, title: c.rule || "" }, tx(`matrix.${kind}`));
            }),
          ),
        ),
      ),
    ),
  );
}

function recordingState(s) {
  const r = s.recording || {};
  const files = r.files || [];
  // The child's evidence is recorded while the session is live.
  const on = s.state === "live" ? "on" : s.state === "break" ? "paused" : s.state === "ended" ? "closed" : "off";
  return h(
    "div",
    {},
    h("p", {}, h("strong", { i18n: `recording.${on}`, id: "recording-state" })),
    r.denied ? h("p", { class: "hint", i18n: "recording.judge_only" }) : null,
    files.length
      ? h(
          "ul",
          {},
          files.map((f) => h("li", {}, h("span", { i18n: `vrole.${f.participant_role}` }), " · ", h("span", { text: f.kind || "" }), f.bytes != null ? [" · ", code(`${f.bytes} B`)] : null, h("br"), tx("recording.sha256"), " ", h("span", { class: "hash", text: f.sha256 || "" }))),
        )
      : h("p", { i18n: "recording.no_files" }),
  );
}

/** Whether a child witness took part in the session (an invite not withdrawn). */
function childTookPart(s) {
  return (s.participants || []).some((p) => p.role === "child_witness" && !p.revoked);
}

/** After the session with the child: mark the child's evidence recorded.
 *  Drawn once when the session ends, then kept (the poller redraws the rest). */
async function evidencePanel(box, s, hearingId, msg) {
  if (s.state !== "ended" || !childTookPart(s)) {
    box.hidden = true;
    return;
  }
  if (box.dataset.drawn === String(s.id)) return;
  box.dataset.drawn = String(s.id);
  box.hidden = false;
  let recorded = null;
  try {
    recorded = (await api.get(`/api/hearings/${hearingId}/outcome`)).outcome;
  } catch {
    recorded = null;
  }
  const shown = h("p", { id: "evidence-now" });
  const showRecorded = (o) => replace(shown, o && o.child_evidence !== "none" ? tx(`evidence.now_${o.child_evidence}`) : tx("evidence.not_yet"));
  showRecorded(recorded);
  const reason = h("input", { name: "continues_because", autocomplete: "off", maxlength: 1000 });
  const reasonField = field("evidence.continues_because", reason);
  reasonField.hidden = true;
  const correction = h("input", { name: "correction_reason", autocomplete: "off", maxlength: 1000 });
  const correctionField = field("evidence.correction_reason", correction);
  correctionField.hidden = !recorded;
  const full = h("button", { type: "button", id: "btn-evidence-full", dataset: { evidence: "full" }, i18n: "evidence.mark_full" });
  const part = h("button", { type: "button", id: "btn-evidence-part", class: "secondary", dataset: { evidence: "part" }, i18n: "evidence.mark_part" });
  const submitPart = h("button", { type: "submit", id: "btn-evidence-part-save", i18n: "evidence.save_part", hidden: true });
  const form = h("form", { class: "stack", id: "evidence-form" }, h("div", { class: "actions" }, full, part), reasonField, correctionField, submitPart);
  const send = async (body) => {
    if (!correctionField.hidden) body.correction_reason = correction.value;
    try {
      const answer = await api.post(`/api/video-sessions/${s.id}/evidence`, body);
      recorded = answer.outcome;
      showRecorded(recorded);
      correctionField.hidden = false;
      correction.value = "";
      reason.value = "";
      reasonField.hidden = true;
      submitPart.hidden = true;
      box.dataset.evidence = recorded.child_evidence;
      showOk(msg, "evidence.saved", { n: (answer.recordings || []).length });
    } catch (err) {
      showError(msg, err);
    }
  };
  full.addEventListener("click", () => send({ child_evidence: "full" }));
  part.addEventListener("click", () => {
    reasonField.hidden = false;
    submitPart.hidden = false;
    reason.required = true;
    reason.focus();
  });
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    send({ child_evidence: "part", continues_because: reason.value });
  });
  replace(box, h("h2", { i18n: "evidence.title" }), h("p", { class: "hint", i18n: "evidence.intro" }), shown, form);
}

/** The link handed to a participant: the token rides in the fragment, which
 *  browsers never send to a server or put in a Referer. */
export function joinUrl(invite) {
  // With several nodes, the socket goes to the node that hosts the media.
  const node = invite.ws_url ? `&ws=${encodeURIComponent(new URL(invite.ws_url).origin.replace(/^http/, "ws"))}` : "";
  return new URL(`/join.html#session=${invite.session_id}&token=${encodeURIComponent(invite.token)}${node}`, location.origin).href;
}

async function copy(text, input) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    input.select();
    return document.execCommand && document.execCommand("copy");
  }
}

function inviteForm(sessionId, msg, box, theCase) {
  const list = h("div", { id: "invite-list" });
  const parties = (theCase?.parties || []).filter((p) => p.side === "child");
  let counsel = [];
  const partyBox = h("div");
  const counselBox = h("div");
  const nameInput = h("input", { name: "display_name", autocomplete: "off" });
  const nameField = field("support.invite_name", nameInput);
  const roleSelect = select("role", VIDEO_ROLES, "vrole.");
  const form = h("form", { class: "inline", id: "invite-form" }, field("support.invite_role", roleSelect), partyBox, nameField, counselBox, h("button", { type: "submit", i18n: "support.make_invite" }));
  // The child's side is chosen from the case's parties, never typed; counsel
  // may be bound to a counsel of the case (only a bound invite reaches the
  // recordings the judge's order opens); everyone else is named.
  const fit = () => {
    const role = roleSelect.value;
    const childSide = CHILD_SIDE_PARTIES[role];
    nameField.hidden = !!childSide;
    nameInput.required = !childSide;
    if (childSide) nameInput.value = "";
    const pairs = childSide ? parties.filter((p) => childSide.includes(p.role)).map((p) => [p.id, `${t(`role.${p.role}`)} · ${p.name}`]) : [];
    replace(partyBox, childSide ? field("support.invite_party", dataSelect("party_id", pairs)) : null);
    const bound = COUNSEL_ROLES.includes(role) ? counsel.filter((c) => c.role === role).map((c) => [c.counsel.id, `${c.counsel.name} (${c.counsel.enrolment_number})`]) : [];
    replace(counselBox, COUNSEL_ROLES.includes(role) ? field("support.invite_counsel", dataSelect("counsel_id", bound, bound[0]?.[0], "support.invite_counsel_none")) : null);
  };
  roleSelect.addEventListener("change", fit);
  fit();
  if (theCase) {
    api
      .get(`/api/cases/${theCase.id}/counsel`)
      .then((r) => {
        counsel = r.items || [];
        fit();
      })
      .catch(() => {});
  }
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const d = formData(form);
    const body = { role: d.role };
    if (CHILD_SIDE_PARTIES[d.role]) body.party_id = Number(d.party_id);
    else body.display_name = d.display_name;
    if (d.counsel_id) body.counsel_id = Number(d.counsel_id);
    try {
      const inv = await api.post(`/api/video-sessions/${sessionId}/invites`, body);
      list.prepend(inviteRow({ ...inv, role: inv.participant?.role || d.role, name: inv.participant?.display_name || d.display_name, session_id: sessionId }, msg));
      form.reset();
      fit();
    } catch (err) {
      if (err.unavailable) replace(list, notAvailable("support.invites"));
      else showError(msg, err);
    }
  });
  return h("div", {}, form, list);
}

function inviteRow(inv, msg) {
  const url = joinUrl(inv);
  const input = h("input", { type: "text", readonly: true, value: url, label: "support.invite_link", class: "invite-url" });
  const copyBtn = h("button", { type: "button", class: "secondary", i18n: "support.copy" });
  copyBtn.addEventListener("click", async () => {
    if (await copy(url, input)) showOk(msg, "support.copied");
  });
  const canvas = qrCanvas(url, { label: `${t("support.qr_for")} ${t(`vrole.${inv.role}`)}` });
  onLanguageChange(() => canvas.setAttribute("aria-label", `${t("support.qr_for")} ${t(`vrole.${inv.role}`)}`));
  return h(
    "div",
    { class: "invite", dataset: { role: inv.role } },
    h("div", {}, h("p", {}, h("strong", { i18n: `vrole.${inv.role}` }), inv.name ? [" · ", h("span", { text: inv.name })] : null, inv.expires_at ? [" · ", tx("support.expires"), " ", when(inv.expires_at)] : null), input, h("div", { class: "actions" }, copyBtn)),
    canvas,
  );
}

void code;
