// A view that throws while rendering must not blank the app: the error is shown in its place and
// the header, load panel and tabs stay usable. Keyed by view, so switching tabs starts afresh.
import { Component, type ErrorInfo, type ReactNode } from 'react';

interface Props {
  viewLabel: string;
  children: ReactNode;
}

interface State {
  error: Error | null;
}

export class ViewErrorBoundary extends Component<Props, State> {
  override state: State = { error: null };

  static getDerivedStateFromError(error: unknown): State {
    return { error: error instanceof Error ? error : new Error(String(error)) };
  }

  override componentDidCatch(error: Error, info: ErrorInfo): void {
    console.error(`The ${this.props.viewLabel} view failed`, error, info.componentStack);
  }

  override render(): ReactNode {
    const { error } = this.state;
    if (!error) return this.props.children;
    return (
      <div className="ken-error" role="alert" data-testid="view-error">
        The {this.props.viewLabel} view failed: {error.message}{' '}
        <button type="button" onClick={() => this.setState({ error: null })}>
          Try again
        </button>
      </div>
    );
  }
}
