"""Model-from-code entry for MLflow: logged by path, so nothing is pickled into the registered model."""

import mlflow.models

from inference.pyfunc import ClaimStanceModel

mlflow.models.set_model(ClaimStanceModel())
