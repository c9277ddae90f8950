// The app's bridge instance: the one store wired to the one engine client. Tests build their own
// with createBridge(createAppStore(), fakeEngine) instead of importing this file.
import { engine } from '../engine/client';
import { createBridge } from './bridge';
import { appStore } from './store';

export const bridge = createBridge(appStore, engine);
