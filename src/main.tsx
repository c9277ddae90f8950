// Entry point: mount the React shell, then open the pair the URL names (or the demo) and run KEN.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './views/App';
import { appStore } from './store/store';
import { bridge } from './store/appBridge';
import { startApp } from './store/startup';

const rootElement = document.getElementById('root');
if (!rootElement) throw new Error('index.html has no #root element');

createRoot(rootElement).render(
  <StrictMode>
    <App />
  </StrictMode>,
);

void startApp(appStore, bridge, window.location.search, window.location.href, new URL(import.meta.env.BASE_URL, window.location.origin).href);
