// The clerk's page: each section a module mounted by the shell's router.

import { staffPage } from "../core/shell.js";
import * as cases from "./cases.js";
import * as calendar from "./calendar.js";
import * as slots from "./slots.js";
import * as arrival from "./arrival.js";
import * as adjournments from "./adjournments.js";
import * as notices from "./notices.js";
import * as group from "./group.js";
import * as board from "../judge/board.js";

staffPage({
  roles: ["clerk"],
  titleKey: "clerk.title",
  sections: [
    { id: "cases", key: "clerk.cases", mount: cases.mount },
    { id: "calendar", key: "clerk.calendar", mount: calendar.mount },
    { id: "slots", key: "clerk.slots", mount: slots.mount },
    { id: "arrival", key: "clerk.arrival", mount: arrival.mount },
    { id: "adjournments", key: "clerk.adjournments", mount: adjournments.mount },
    { id: "notices", key: "clerk.notices", mount: notices.mount },
    { id: "group", key: "clerk.group", mount: group.mount },
    { id: "board", key: "judge.board", mount: board.mount },
  ],
});
