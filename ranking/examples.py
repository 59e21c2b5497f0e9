"""Example prompts offered as one-click suggestions on the new-diagram page."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Example:
    """A prompt and a short tag that says what kind of diagram it asks for."""

    tag: str
    prompt: str


# The brief's three examples first, then phrasings from the reference pairs,
# then a terse and a chatty one so users see the box takes any register.
EXAMPLES = (
    Example(
        "Dense",
        "DL model consist of 6 input size, 3, 4 nodes in intermediate layers, "
        "and 2 output elements",
    ),
    Example(
        "CNN",
        "NN model consist of 32 * 32 input, 3 * 3 conv layer, and then conv layer "
        "(output is 28 x 28), and then 2 * 2 pooling layer, 3 x 3 convolutional layer, "
        "then 2x2 pooling layer, 256, 64 and 16 nodes in each of the 3 hidden layers, "
        "and 1 output layer nodes",
    ),
    Example(
        "Process",
        "Langchain process that consists of first, outputs pytorch tensor and process it "
        "with function, and code file that process numeric values, and outputs database",
    ),
    Example(
        "Dense",
        "Conv neural network with 4 input layer nodes, 6, 5 nodes in hidden layers, "
        "and 2 output nodes",
    ),
    Example(
        "CNN",
        "NN model of 32 x 32 input, a 3 x 3 convolutional layer and a 2 x 2 pooling layer, "
        "then a 3 x 3 conv layer and a 2 x 2 pooling layer, then 1024, 64 nodes in the mid "
        "layers, and 1 output nodes",
    ),
    Example(
        "Process",
        "deep learning algorithm that consists of \n"
        "* machine learning model that, with data storage as input, and data storage as output\n"
        "* LLM that, with data storage as input.",
    ),
    Example("Terse", "MLP: 3 inputs, hidden 5 and 4, 1 output"),
    Example(
        "Chatty",
        "Hi! I'm making slides for my students and would love a clean picture of a small "
        "neural network: it takes 3 input features, has two hidden layers with 5 and 4 "
        "neurons, and ends in a single output neuron. Thanks so much!",
    ),
)
