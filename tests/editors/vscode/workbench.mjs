// What a user sees and does in the VS Code workbench, through playwright: code lens titles, the
// text of the active editor, the Problems panel and its status bar count, notifications, the
// quick open and the command palette. Waits poll a condition (never a bare sleep) and fail with
// what was last seen.

/** Polls `probe` until `done(value)` or `ms` pass; returns the last value and whether it held. */
export async function poll(page, probe, done, ms) {
  const end = Date.now() + ms;
  let value = await probe();
  while (!done(value) && Date.now() < end) {
    await page.waitForTimeout(250);
    value = await probe();
  }
  return { value, ok: done(value) };
}

/** `poll`, throwing `what` plus the last value seen when the condition never held. */
export async function waitUntil(page, probe, done, ms, what) {
  const { value, ok } = await poll(page, probe, done, ms);
  if (!ok) {
    throw new Error(`${what}; last seen: ${JSON.stringify(value)}`);
  }
  return value;
}

export async function lensTitles(page) {
  return page.$$eval(
    ".codelens-decoration a, .codelens-decoration span",
    (els) =>
      els.map((e) => e.textContent?.trim() ?? "").filter((t) => t.length > 0),
  );
}

/** The lens titles of the decoration above the editor line containing `lineText`. */
export async function lensesAbove(page, lineText) {
  return page.evaluate((needle) => {
    const text = (el) => (el.textContent ?? "").replace(/\u00a0/g, " ");
    const line = [...document.querySelectorAll(".view-line")].find((el) =>
      text(el).includes(needle),
    );
    if (!line) {
      return [];
    }
    const top = line.getBoundingClientRect().top;
    let best;
    for (const deco of document.querySelectorAll(".codelens-decoration")) {
      const d = top - deco.getBoundingClientRect().bottom;
      if (d >= -2 && d < 40 && (best === undefined || d < best.d)) {
        best = { d, deco };
      }
    }
    return best
      ? [...best.deco.querySelectorAll("a, span")]
          .map((e) => (e.textContent ?? "").trim())
          .filter((t) => t.length > 0)
      : [];
  }, lineText);
}

/** The visible lines of the active editor, in order, with ordinary spaces. */
export async function editorLines(page) {
  return page.$$eval(".editor-instance .view-line", (els) =>
    els
      .map((e) => ({
        top: parseFloat(e.style.top || "0"),
        text: (e.textContent ?? "").replace(/\u00a0/g, " "),
      }))
      .sort((a, b) => a.top - b.top)
      .map((l) => l.text),
  );
}

/** The Problems panel's rows (file headers and problems), as shown. */
export async function problemRows(page) {
  return page.$$eval(".markers-panel .monaco-list-row", (els) =>
    els.map((e) => (e.textContent ?? "").replace(/\u00a0/g, " ").trim()),
  );
}

/** The Problems item of the status bar ("Errors: 1, Warnings: 0" or its text). */
export async function problemsStatus(page) {
  const status = page.locator("#status\\.problems");
  return (
    (await status.getAttribute("aria-label")) ?? (await status.innerText())
  );
}

export async function toasts(page) {
  return page.$$eval(".notification-toast", (els) =>
    els.map((e) => (e.innerText ?? "").replace(/\s+/g, " ").trim()),
  );
}

/** Notifications from the extension ("Roadmap: ..." / "roadmapd ..."). */
export async function ourToasts(page) {
  return (await toasts(page)).filter((t) => /roadmapd|Roadmap/.test(t));
}

/** Ctrl+P, the file name, a click on its row; waits until the editor shows `expectLine`. */
export async function quickOpen(page, file, expectLine) {
  await page.keyboard.press("Control+P");
  const input = page.locator(".quick-input-widget input");
  await input.waitFor({ state: "visible" });
  await page.keyboard.type(file);
  const row = page
    .locator(".quick-input-list .monaco-list-row", { hasText: file })
    .first();
  await row.waitFor();
  await row.click();
  await page
    .locator(".editor-instance .view-line", { hasText: expectLine })
    .first()
    .waitFor();
}

/** F1, the command's title, a click on its row in the palette. */
export async function runCommand(page, title) {
  await page.keyboard.press("F1");
  await page.locator(".quick-input-widget input").waitFor({ state: "visible" });
  await page.keyboard.type(title);
  const row = page
    .locator(".quick-input-list .monaco-list-row", { hasText: title })
    .first();
  await row.waitFor();
  await row.click();
}

/** Opens the Problems panel (Ctrl+Shift+M) and waits for it. */
export async function showProblems(page) {
  await page.keyboard.press("Control+Shift+M");
  await page.locator(".markers-panel").first().waitFor({ state: "visible" });
}

/** A click on the editor tab of `file` (already open); waits until it shows `expectLine`. */
export async function switchTab(page, file, expectLine) {
  await page.locator(".tabs-container .tab", { hasText: file }).first().click();
  await page
    .locator(".editor-instance .view-line", { hasText: expectLine })
    .first()
    .waitFor();
}
