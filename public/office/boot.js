// Starts the back office (a file, so the Content-Security-Policy can forbid inline
// scripts). No service worker: the back office works online only.
import init from '/office/pkg/office.js';

init({ module_or_path: '/office/pkg/office_bg.wasm' });
