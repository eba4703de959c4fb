// The judge's page.

import { staffPage } from "../core/shell.js";
import * as docket from "./docket.js";
import * as board from "./board.js";
import * as adjournments from "./adjournments.js";
import * as childCases from "./child-cases.js";
import * as sessions from "../support/sessions.js";
import * as console_ from "../support/console.js";

// The video-link sessions are the support officer's list and console; the
// judge opens them to make the special-measures order.
staffPage({
  roles: ["judge"],
  titleKey: "judge.title",
  sections: [
    { id: "docket", key: "judge.docket", mount: docket.mount },
    { id: "board", key: "judge.board", mount: board.mount },
    { id: "adjournments", key: "judge.adjournments", mount: adjournments.mount },
    { id: "child-cases", key: "judge.child_cases", mount: childCases.mount },
    { id: "sessions", key: "support.sessions", mount: sessions.mount },
    { id: "console", key: "support.console", mount: console_.mount },
  ],
});
