/** Checkpoint Studio's version, as `ckpt --version` and the app's About say it (package.json's "version"). */
export const APP_VERSION = '0.1.0';
