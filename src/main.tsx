// Entry point: mount the React shell, then open the pair the URL names (or the demo) and run KEN.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './views/App';
import { appStore } from './store/store';
import { bridge } from './store/appBridge';
import { startApp } from './store/startup';
import { installUrlSync } from './views/url-state';

const rootElement = document.getElementById('root');
if (!rootElement) throw new Error('index.html has no #root element');

createRoot(rootElement).render(
  <StrictMode>
    <App />
  </StrictMode>,
);

// Startup reads the URL as the person typed it, before the URL sync rewrites it to mirror the store
// (?view=&tensor=&row=&k=&mode=, restored on open and kept up to date; pretrained/finetuned/backend stay).
void startApp(appStore, bridge, window.location.search, window.location.href, new URL(import.meta.env.BASE_URL, window.location.origin).href);
installUrlSync(appStore, window);
