// The families' feedback page, opened from the link in a guardian's notice
// (/feedback.html#t=TOKEN) or by a support officer with the family. No
// account: the token is the link's, sent in the body (never in a URL the
// server logs). A few questions, in Urdu or English; one answer per link.
// Its strings live here, learnt into the page's table, so the page loads
// nothing but this server's own files.

import { applyLanguage, learn, lang, setLanguage } from "../core/i18n.js";
import { h, tx, replace, when, showError } from "../core/ui.js";
import { languageSwitch, skipLink } from "../core/shell.js";
import * as api from "../core/api.js";

const TEXT = {
  "feedback.title": { en: "How did it go?", ur: "سب کیسا رہا؟" },
  "feedback.intro": {
    en: "Tell the monitoring cell how you were treated at the court. The court does not see your answers. You do not need an account.",
    ur: "مانیٹرنگ سیل کو بتائیں کہ عدالت میں آپ کے ساتھ کیسا سلوک ہوا۔ عدالت آپ کے جواب نہیں دیکھتی۔ کسی اکاؤنٹ کی ضرورت نہیں۔",
  },
  "feedback.about": { en: "The hearing at {court} on", ur: "{court} میں سماعت، بتاریخ" },
  "feedback.saw": { en: "Did you see the accused or his people?", ur: "کیا آپ نے ملزم یا اس کے لوگوں کو دیکھا؟" },
  "feedback.saw.no": { en: "No, not at all", ur: "نہیں، بالکل نہیں" },
  "feedback.saw.saw_from_afar": { en: "Yes, from far away", ur: "ہاں، دور سے" },
  "feedback.saw.came_close": { en: "Yes, they came close or spoke to us", ur: "ہاں، وہ قریب آئے یا ہم سے بات کی" },
  "feedback.waited": { en: "How long did you wait before it started?", ur: "شروع ہونے سے پہلے آپ نے کتنا انتظار کیا؟" },
  "feedback.waited.under_half_hour": { en: "Less than half an hour", ur: "آدھے گھنٹے سے کم" },
  "feedback.waited.half_hour_to_hour": { en: "Half an hour to an hour", ur: "آدھے سے ایک گھنٹہ" },
  "feedback.waited.one_to_two_hours": { en: "One to two hours", ur: "ایک سے دو گھنٹے" },
  "feedback.waited.over_two_hours": { en: "More than two hours", ur: "دو گھنٹے سے زیادہ" },
  "feedback.respected": { en: "Were you treated with respect?", ur: "کیا آپ کے ساتھ عزت سے پیش آیا گیا؟" },
  "feedback.respected.yes": { en: "Yes", ur: "ہاں" },
  "feedback.respected.partly": { en: "Partly", ur: "کچھ حد تک" },
  "feedback.respected.no": { en: "No", ur: "نہیں" },
  "feedback.report": { en: "Anything else to tell us? (you may leave this empty)", ur: "کچھ اور بتانا ہو؟ (خالی چھوڑ سکتے ہیں)" },
  "feedback.report_hint": { en: "Please do not write your child's name.", ur: "براہِ کرم بچے کا نام نہ لکھیں۔" },
  "feedback.send": { en: "Send", ur: "بھیجیں" },
  "feedback.thanks": { en: "Thank you. Your answers have reached the monitoring cell.", ur: "شکریہ۔ آپ کے جواب مانیٹرنگ سیل تک پہنچ گئے ہیں۔" },
  "feedback.answered": { en: "This link has already been answered. Thank you.", ur: "اس لنک پر جواب پہلے ہی دیا جا چکا ہے۔ شکریہ۔" },
  "feedback.bad_link": { en: "This link is not valid. Please check the message you received.", ur: "یہ لنک درست نہیں۔ براہِ کرم موصول شدہ پیغام دیکھیں۔" },
  "feedback.choose": { en: "Please answer the three questions.", ur: "براہِ کرم تینوں سوالوں کے جواب دیں۔" },
};
for (const [key, texts] of Object.entries(TEXT)) learn(key, texts);

const QUESTIONS = [
  ["saw_accused_side", "feedback.saw", ["no", "saw_from_afar", "came_close"]],
  ["waited", "feedback.waited", ["under_half_hour", "half_hour_to_hour", "one_to_two_hours", "over_two_hours"]],
  ["respected", "feedback.respected", ["yes", "partly", "no"]],
];

const token = new URLSearchParams(location.hash.slice(1)).get("t") || "";

function render(...content) {
  replace(document.getElementById("main"), h("h1", { i18n: "feedback.title" }), ...content);
  applyLanguage();
}

function question([name, key, values]) {
  const prefix = key.replace("feedback.", "");
  return h(
    "fieldset",
    { class: "question" },
    h("legend", { i18n: key }),
    values.map((v) => {
      const id = `${name}-${v}`;
      return h("div", { class: "check" }, h("input", { type: "radio", name, value: v, id, required: true }), h("label", { for: id, i18n: `feedback.${prefix}.${v}` }));
    }),
  );
}

function form(link) {
  const region = h("div", { role: "status", "aria-live": "polite" });
  const report = h("textarea", { id: "report", name: "report", rows: 4, maxlength: 1000, "aria-describedby": "report-hint" });
  const el = h(
    "form",
    { class: "feedback-form", novalidate: true },
    QUESTIONS.map(question),
    h("div", { class: "field" }, h("label", { for: "report", i18n: "feedback.report" }), h("span", { class: "hint", id: "report-hint", i18n: "feedback.report_hint" }), report),
    h("button", { type: "submit", i18n: "feedback.send" }),
    region,
  );
  el.addEventListener("submit", async (e) => {
    e.preventDefault();
    const data = new FormData(el);
    const answers = Object.fromEntries(QUESTIONS.map(([name]) => [name, data.get(name)]));
    if (Object.values(answers).some((v) => !v)) {
      return replace(region, h("div", { class: "notice error", role: "alert" }, tx("feedback.choose")));
    }
    try {
      await api.post("/api/feedback", { token, ...answers, report: report.value || null, language: lang() }, { token: "" });
      render(h("div", { class: "notice ok", role: "status" }, tx("feedback.thanks")));
    } catch (err) {
      if (err.status === 409) return render(h("div", { class: "notice ok" }, tx("feedback.answered")));
      showError(region, err);
    }
  });
  return [
    h("p", { i18n: "feedback.intro" }),
    h("p", { class: "about" }, tx("feedback.about", { court: link.court }), " ", link.hearing_day ? when(link.hearing_day, "date") : null),
    el,
  ];
}

async function main() {
  skipLink();
  replace(document.getElementById("shell"), h("div", { class: "topbar" }, h("p", { class: "brand", i18n: "app.name" }), languageSwitch()));
  let link;
  try {
    link = await api.post("/api/feedback/open", { token }, { token: "" });
  } catch {
    return render(h("div", { class: "notice error", role: "alert" }, tx("feedback.bad_link")));
  }
  // The family's own language, unless they already chose on this device.
  if (!localStorage.getItem("amaan.lang") && link.language) setLanguage(link.language);
  if (link.answered) return render(h("div", { class: "notice ok" }, tx("feedback.answered")));
  render(...form(link));
}

main();
