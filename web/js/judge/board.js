// The day's board: a judge's hearings of the day in the order they were
// called, each outcome one or two taps (the court's reasons in English and
// Urdu); the clerk sees the same board for a judge of the court and records
// on that judge's behalf.

import * as api from "../core/api.js";
import * as court from "../core/court.js";
import * as dates from "../core/dates.js";
import { STRINGS } from "../core/strings.js";
import { h, tx, code, when, replace, load, showError, dataSelect } from "../core/ui.js";
import { heading } from "../core/shell.js";
import { clocks } from "./docket.js";

/** The court's reason codes, registered as strings so they switch language with the page. */
async function outcomeCodes(courtId) {
  const codes = await api.get(`/api/courts/${courtId}/outcome-codes`);
  for (const r of [...codes.not_held, ...codes.decisions]) {
    STRINGS.en[`code.${r.code}`] = r.label;
    STRINGS.ur[`code.${r.code}`] = r.label_ur || r.label;
  }
  return codes;
}

export function mount(el, ctx, [dayArg, judgeArg]) {
  const day = /^\d{4}-\d{2}-\d{2}$/.test(dayArg || "") ? dayArg : dates.today();
  const isJudge = ctx.session.role === "judge";
  const region = h("div", { id: "board" });
  const base = "#board";
  const yesterday = dates.addDays(dates.today(), -1);
  const judgeSlot = h("span", {});
  el.append(
    heading("board", "board.title"),
    h("p", { i18n: "board.intro" }),
    h(
      "div",
      { class: "week-nav" },
      h("a", { class: "button secondary", href: `${base}/${dates.today()}${judgeArg ? `/${judgeArg}` : ""}`, "aria-current": day === dates.today() ? "true" : null, i18n: "board.today", id: "board-today" }),
      h("a", { class: "button secondary", href: `${base}/${yesterday}${judgeArg ? `/${judgeArg}` : ""}`, "aria-current": day === yesterday ? "true" : null, i18n: "board.yesterday", id: "board-yesterday" }),
      h("span", { class: "range" }, when(day, "plain")),
      judgeSlot,
    ),
    region,
  );
  const show = async (judgeId) => {
    await load(region, "board.title", async () => {
      const codes = await outcomeCodes(ctx.session.court_id);
      const r = await api.get(`/api/docket${api.qs({ judge_id: judgeId, from: day, to: day })}`);
      const items = (r.items || []).slice().sort((a, b) => String(a.hearing.starts_at).localeCompare(String(b.hearing.starts_at)) || a.hearing.id - b.hearing.id);
      if (!items.length) return h("p", { i18n: "board.nothing", id: "board-empty" });
      return h("ol", { class: "plain-list board" }, items.map((item) => row(item, codes, () => show(judgeId))));
    });
  };
  if (isJudge) {
    show(ctx.session.user_id);
  } else {
    // The clerk chooses the judge whose board to keep.
    court.judges(ctx.session.court_id).then(
      (judges) => {
        const chosen = judgeArg || (judges[0] && judges[0].id);
        const sel = dataSelect("judge_id", judges.map((j) => [j.id, j.display_name || j.username]), chosen);
        sel.id = "board-judge";
        sel.addEventListener("change", () => {
          location.hash = `#board/${day}/${sel.value}`;
        });
        replace(judgeSlot, h("label", { for: "board-judge", i18n: "board.judge" }), " ", sel);
        if (chosen) show(chosen);
        else replace(region, h("p", { i18n: "board.nothing" }));
      },
      (err) => showError(region, err),
    );
  }
}

function childLine(ch) {
  return h(
    "span",
    { class: "badge child" },
    h("span", { text: ch.pseudonym }),
    " · ",
    tx("child.appearances", { brought: ch.brought ?? 0, testified: ch.testified ?? 0 }),
  );
}

function outcomeLine(o) {
  if (!o) return null;
  const held = o.kind === "held";
  return h(
    "p",
    { class: `notice ${held ? "ok" : "error"} outcome`, dataset: { outcome: o.kind } },
    h("strong", { i18n: held ? "board.recorded_held" : "board.recorded_not_held" }),
    o.reason_code ? [" · ", tx(`code.${o.reason_code}`)] : null,
    o.caused_by ? [" · ", tx("board.cause"), " ", tx(`cause.${o.caused_by}`)] : null,
    o.child_evidence && o.child_evidence !== "none" ? [" · ", tx(`evidence.${o.child_evidence}`)] : null,
    (o.proceedings || []).map((p) => [" · ", tx(`proceeding.${p}`)]),
  );
}

function row(item, codes, refresh) {
  const hr = item.hearing;
  const children = item.children || [];
  const listedChild = hr.child_testifies && children.length > 0;
  const begun = hr.starts_at && Date.parse(hr.starts_at) <= Date.now();
  const status = h("div", { role: "status", "aria-live": "polite" });
  const li = h(
    "li",
    { class: "panel board-row", dataset: { hearing: hr.id, state: item.hearing.outcome ? "recorded" : begun ? "awaiting" : "ahead" } },
    h("h2", {}, hr.starts_at ? when(hr.starts_at, "time") : null, " · ", code(item.case.number), " · ", tx(`kind.${hr.kind}`), hr.room_name ? [" · ", h("span", { text: hr.room_name })] : null),
    h("div", {}, children.map(childLine)),
    h("div", {}, clocks(item.clocks)),
    outcomeLine(hr.outcome),
  );
  if (hr.outcome) return li;
  if (!begun) {
    li.append(h("p", { class: "muted", i18n: "board.not_begun" }));
    return li;
  }
  const brought = listedChild ? h("input", { type: "checkbox", id: `brought-${hr.id}`, name: "child_brought", checked: true }) : null;
  const send = async (body) => {
    try {
      if (listedChild && body.child_brought === undefined && body.child_evidence === undefined) body.child_brought = brought.checked;
      await api.post(`/api/hearings/${hr.id}/outcome`, body);
      refresh();
    } catch (err) {
      showError(status, err);
    }
  };
  const extra = h("div", { class: "board-extra" });
  const tap = (key, body, action) => h("button", { type: "button", class: "secondary", i18n: key, dataset: { action }, onclick: () => send(body) });
  const withText = (labelKey, name, build, more = []) => {
    const input = h("input", { type: "text", name, id: `${name}-${hr.id}`, required: true });
    replace(
      extra,
      h(
        "form",
        {
          class: "inline",
          onsubmit: (e) => {
            e.preventDefault();
            send(build(input.value.trim()));
          },
        },
        h("label", { for: input.id, i18n: labelKey }),
        " ",
        input,
        " ",
        more,
        " ",
        h("button", { type: "submit", i18n: "board.record" }),
      ),
    );
    input.focus();
  };
  const reasons = () =>
    replace(
      extra,
      h(
        "div",
        { class: "reasons", role: "group", label: "board.not_held" },
        codes.not_held.map((r) =>
          h("button", {
            type: "button",
            class: "secondary",
            i18n: `code.${r.code}`,
            dataset: { reason: r.code },
            onclick: () => {
              const body = { kind: "not_held", reason_code: r.code };
              if (listedChild) body.child_brought = r.child_absent ? false : brought.checked;
              if (r.needs_details) {
                // Another reason: written out, and who caused it said.
                const cause = h("select", { name: "caused_by", id: `cause-${hr.id}` }, codes.causes.map((c) => h("option", { value: c, i18n: `cause.${c}` })));
                withText("board.details", "details", (details) => ({ ...body, details, caused_by: cause.value }), [h("label", { for: cause.id, i18n: "board.cause" }), " ", cause]);
              } else {
                send(body);
              }
            },
          }),
        ),
      ),
    );
  li.append(
    listedChild ? h("div", { class: "check" }, brought, h("label", { for: brought.id, i18n: "board.child_brought" })) : null,
    h(
      "div",
      { class: "actions" },
      listedChild ? tap("board.heard_full", { kind: "held", child_evidence: "full" }, "full") : null,
      listedChild
        ? h("button", { type: "button", class: "secondary", i18n: "board.heard_part", dataset: { action: "part" }, onclick: () => withText("board.continues_because", "continues_because", (why) => ({ kind: "held", child_evidence: "part", continues_because: why })) })
        : null,
      tap("board.evidence_taken", { kind: "held", proceedings: ["other_witnesses"] }, "evidence"),
      tap("board.arguments_heard", { kind: "held", proceedings: ["arguments_heard"] }, "arguments"),
      tap("board.judgment_reserved", { kind: "held", proceedings: ["judgment_reserved"] }, "reserved"),
      h("button", { type: "button", i18n: "board.not_held", dataset: { action: "not-held" }, onclick: reasons }),
    ),
    extra,
    status,
  );
  return li;
}
