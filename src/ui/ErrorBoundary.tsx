import { Component, type ErrorInfo, type ReactNode } from 'react';
import { useRequestStore } from '../store/requestStore';

interface State {
  error: Error | null;
}

/**
 * Last line of defence: a view that cannot render the current request shows what broke and
 * the request itself (nothing is lost), and offers to start from a fresh draft.
 */
export class ErrorBoundary extends Component<{ children: ReactNode }, State> {
  override state: State = { error: null };

  static getDerivedStateFromError(error: Error): State {
    return { error };
  }

  override componentDidCatch(error: Error, info: ErrorInfo): void {
    console.error('The playground could not render:', error, info.componentStack);
  }

  override render() {
    const { error } = this.state;
    if (!error) return this.props.children;
    const draft = JSON.stringify(useRequestStore.getState().draft, null, 2);
    return (
      <div className="crash" role="alert" data-testid="render-error">
        <h2>The playground could not show this request</h2>
        <p>
          {error.message}. Your request is below, unchanged: copy it, then start from a fresh draft
          or reload.
        </p>
        <textarea readOnly rows={14} value={draft} aria-label="Request that could not be shown" />
        <div className="button-row">
          <button
            type="button"
            onClick={() => {
              useRequestStore.getState().resetDraft();
              this.setState({ error: null });
            }}
          >
            Start from a fresh draft
          </button>
          <button type="button" onClick={() => this.setState({ error: null })}>
            Try again
          </button>
        </div>
      </div>
    );
  }
}
