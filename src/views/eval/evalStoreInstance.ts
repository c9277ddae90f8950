// The app's eval store, wired to the app store and the eval worker client.
import { appStore } from '../../store/store';
import { evalClient } from '../../engine/bert/client';
import { createEvalStore } from './evalStore';

export const evalStore = createEvalStore(appStore, evalClient, () => new URL(`${import.meta.env.BASE_URL}demo/eval.tsv`, window.location.origin).href);
