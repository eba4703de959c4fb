// The monitor's page: the figures of delay of the courts it reads, the
// escalation reports of broken clocks, and what families said.

import { staffPage } from "../core/shell.js";
import * as dashboard from "./dashboard.js";
import * as reports from "./reports.js";
import * as feedback from "./feedback.js";

staffPage({
  roles: ["monitor"],
  titleKey: "monitor.title",
  sections: [
    { id: "dashboard", key: "monitor.dashboard", mount: dashboard.mount },
    { id: "reports", key: "monitor.reports", mount: reports.mount },
    { id: "feedback", key: "monitor.feedback", mount: feedback.mount },
  ],
});
