"""The MLflow pyfunc wrapper: the registered model is this class around a claimstance artifact.

So `mlflow.pyfunc.load_model("models:/claim-stance@champion")`, `mlflow models serve` and
`spark_udf` all run the very predictor that the CLI runs. Input: a DataFrame with a `text`
column (or a list of strings); output: a DataFrame with `label` and one probability per label.
"""

from __future__ import annotations

import mlflow.pyfunc
import pandas as pd

from inference.artifact import ARTIFACT_KEY
from inference.labels import LABELS


class ClaimStanceModel(mlflow.pyfunc.PythonModel):
    def load_context(self, context):
        from inference.loader import load_artifact

        self.classifier = load_artifact(context.artifacts[ARTIFACT_KEY])

    # The DataFrame hint tells MLflow we check the input ourselves (a `text` column).
    def predict(self, context, model_input: pd.DataFrame, params=None) -> pd.DataFrame:
        if isinstance(model_input, pd.DataFrame):
            if "text" not in model_input.columns:
                raise ValueError(f"input needs a 'text' column; found columns {list(model_input.columns)}")
            texts = model_input["text"].astype(str).tolist()
        else:
            texts = [str(t) for t in model_input]
        probs = self.classifier.predict_proba(texts)
        out = pd.DataFrame(probs, columns=list(LABELS))
        out.insert(0, "label", [LABELS[i] for i in probs.argmax(axis=1)] if len(texts) else [])
        return out
