// A QR code drawn on a canvas from the vendored generator (no network, no
// inline markup, so the page's CSP holds).

import qrcode from "../../vendor/qrcode-generator/qrcode.mjs";

export function qrCanvas(text, { scale = 4, margin = 4, label } = {}) {
  const qr = qrcode(0, "M");
  qr.addData(text);
  qr.make();
  const n = qr.getModuleCount();
  const size = (n + margin * 2) * scale;
  const canvas = document.createElement("canvas");
  canvas.width = size;
  canvas.height = size;
  canvas.setAttribute("role", "img");
  if (label) canvas.setAttribute("aria-label", label);
  canvas.dataset.qr = text;
  const g = canvas.getContext("2d");
  g.fillStyle = "#fff";
  g.fillRect(0, 0, size, size);
  g.fillStyle = "#000";
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      if (qr.isDark(r, c)) g.fillRect((c + margin) * scale, (r + margin) * scale, scale, scale);
    }
  }
  return canvas;
}
