"""claimstance inference: what a user of a trained model needs.

    from inference import load_classifier, score_article
    clf = load_classifier("models:/claim-stance@champion")
    clf.predict(["Kyiv rejected Moscow's statement."])      # ['disputed']

Heavy libraries (mlflow, torch, pandas) load only on the path that needs them.
"""

from inference.labels import LABELS, NO_CLAIM

__all__ = ["LABELS", "NO_CLAIM", "load_classifier", "score_article"]


def __getattr__(name: str):
    # Lazy re-exports keep `import inference` (and `stance --help`) fast.
    if name == "load_classifier":
        from inference.loader import load_classifier

        return load_classifier
    if name == "score_article":
        from inference.article import score_article

        return score_article
    raise AttributeError(name)
