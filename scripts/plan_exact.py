#!/usr/bin/env python3
"""Exact optimum for a small planning instance written by `amaan bench plan --exact`.

An integer program solved by HiGHS (`pip install highspy`): one binary per
(hearing, day, room, start) that the hard constraints allow (working day,
court hours, child-friendly hours for a child witness, a video-link room for
a child on a video link, the hearing's judge); at most one placement per
hearing; per half-hour tick at most one sitting per room, per judge and per
counsel. The small instances use a building where every side has its own
gate, so the never-meet rules add no constraint here (the greedy planner
still checks them, and the validator checks its plan).

Objective: the most child-victim hearings placed on or before their
statutory clock. Prints `optimum_on_time N` and `status S`.
"""
import json
import sys
from collections import defaultdict

import highspy


def main(path):
    inst = json.load(open(path))
    step = inst["step"]
    tick = step  # all lengths and starts are multiples of the step
    cands = []  # (hearing index, day, room, start)
    for hi, h in enumerate(inst["hearings"]):
        for d in range(inst["days"]):
            if not inst["day_working"][d]:
                continue
            lo, hi_end = inst["opens"], inst["closes"]
            if h["child_testifies"]:
                lo, hi_end = max(lo, inst["child_from"]), min(hi_end, inst["child_to"])
            s = ((lo + step - 1) // step) * step
            while s + h["minutes"] <= hi_end:
                for room, video in inst["rooms"]:
                    if h["child_testifies"] and h["video_link"] and not video:
                        continue
                    cands.append((hi, d, room, s))
                s += step
    hs = highspy.Highs()
    hs.setOptionValue("output_flag", False)
    hs.setOptionValue("time_limit", 120.0)
    inf = highspy.kHighsInf
    n = len(cands)
    hearings = inst["hearings"]
    for (hi, d, room, s) in cands:
        h = hearings[hi]
        on_time = h["child_victim"] and d <= h["deadline_day"]
        # maximise: on-time child-victim hearings (HiGHS minimises)
        hs.addVar(0.0, 1.0)
    hs.changeColsIntegrality(n, list(range(n)), [highspy.HighsVarType.kInteger] * n)
    costs = []
    for (hi, d, room, s) in cands:
        h = hearings[hi]
        costs.append(-1.0 if (h["child_victim"] and d <= h["deadline_day"]) else 0.0)
    hs.changeColsCost(n, list(range(n)), costs)

    rows = defaultdict(list)
    for j, (hi, d, room, s) in enumerate(cands):
        h = hearings[hi]
        rows[("h", hi)].append(j)
        for t in range(s, s + h["minutes"], tick):
            rows[("r", room, d, t)].append(j)
            rows[("j", h["judge"], d, t)].append(j)
            for c in h["counsel"]:
                rows[("c", c, d, t)].append(j)
    for key, cols in rows.items():
        if len(cols) > 1 or key[0] == "h":
            hs.addRow(-inf, 1.0, len(cols), cols, [1.0] * len(cols))
    hs.run()
    status = hs.modelStatusToString(hs.getModelStatus())
    sol = hs.getSolution().col_value
    on_time = sum(1 for j, v in enumerate(sol) if v > 0.5 and costs[j] < 0)
    print(f"variables {n} rows {len(rows)}")
    if "--show" in sys.argv:
        for j, v in enumerate(sol):
            if v > 0.5:
                hi, d, room, s = cands[j]
                h = hearings[hi]
                print("exact ", h["id"], "day", d, "room", room, "start", s, "min", h["minutes"], "judge", h["judge"],
                      "cv" if h["child_victim"] else "", "child" if h["child_testifies"] else "",
                      "video" if h["video_link"] else "", "dl", h["deadline_day"], "counsel", h["counsel"])
        for (hid, d, room, s) in sorted(inst.get("greedy", []), key=lambda g: (g[1], g[2], g[3])):
            h = hearings[hid - 1]
            print("greedy", hid, "day", d, "room", room, "start", s, "min", h["minutes"], "judge", h["judge"],
                  "cv" if h["child_victim"] else "", "child" if h["child_testifies"] else "",
                  "video" if h["video_link"] else "", "dl", h["deadline_day"], "counsel", h["counsel"])
    print(f"optimum_on_time {on_time}")
    print(f"status {status}")


if __name__ == "__main__":
    main(sys.argv[1])
