// How the browser tests start headless Chromium: Debian's build (CHROMIUM,
// default /usr/bin/chromium), no sandbox (CI runs as root), nothing fetched.

export const chromiumLaunchOptions = {
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run"],
};
