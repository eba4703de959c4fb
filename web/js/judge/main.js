// The judge's page.

import { staffPage } from "../core/shell.js";
import * as docket from "./docket.js";
import * as adjournments from "./adjournments.js";
import * as childCases from "./child-cases.js";

staffPage({
  roles: ["judge"],
  titleKey: "judge.title",
  sections: [
    { id: "docket", key: "judge.docket", mount: docket.mount },
    { id: "adjournments", key: "judge.adjournments", mount: adjournments.mount },
    { id: "child-cases", key: "judge.child_cases", mount: childCases.mount },
  ],
});
