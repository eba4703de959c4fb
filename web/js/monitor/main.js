// The monitor's page: the figures of delay of the courts it reads.

import { staffPage } from "../core/shell.js";
import * as dashboard from "./dashboard.js";

staffPage({
  roles: ["monitor"],
  titleKey: "monitor.title",
  sections: [{ id: "dashboard", key: "monitor.dashboard", mount: dashboard.mount }],
});
