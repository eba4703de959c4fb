// The support officer's page.

import { staffPage } from "../core/shell.js";
import * as sessions from "./sessions.js";
import * as console_ from "./console.js";

staffPage({
  roles: ["support_officer"],
  titleKey: "support.title",
  sections: [
    { id: "sessions", key: "support.sessions", mount: sessions.mount },
    { id: "console", key: "support.console", mount: console_.mount },
  ],
});
