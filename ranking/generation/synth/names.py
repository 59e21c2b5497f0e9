"""An open vocabulary of the names people give the parts of their pipelines.

Real tools, models, formats, stores and services, composed with the words
people put around them ("XGBoost fraud model", "daily metrics mart"), plus
made-up internal names ("OrderSync service", "churn_v3 model"), so the model
learns to copy whatever the user wrote rather than recall a known word.
"""

from __future__ import annotations

import random

TOOLS = (
    "Airflow", "dbt", "Spark", "PySpark", "Flink", "Kafka", "Glue", "Snowflake", "BigQuery",
    "Redshift", "Postgres", "MySQL", "MongoDB", "Redis", "DynamoDB", "Cassandra", "S3", "GCS",
    "Delta Lake", "Iceberg", "Trino", "DuckDB", "Pandas", "Polars", "NumPy", "scikit-learn",
    "XGBoost", "LightGBM", "CatBoost", "PyTorch", "TensorFlow", "Keras", "JAX", "Hugging Face",
    "LangChain", "LlamaIndex", "FAISS", "Pinecone", "Weaviate", "Qdrant", "Milvus", "Chroma",
    "pgvector", "Elasticsearch", "OpenSearch", "Whisper", "BERT", "DistilBERT", "RoBERTa",
    "T5", "GPT-4", "GPT-4o", "Llama 3", "Mistral 7B", "CLIP", "ResNet-50", "YOLOv8", "ViT",
    "U-Net", "wav2vec2", "Conformer", "Tesseract", "spaCy", "MLflow", "Kubeflow", "SageMaker",
    "Vertex AI", "Triton", "TorchServe", "BentoML", "FastAPI", "Flask", "Docker", "Looker",
    "Tableau", "Superset", "Metabase", "Grafana", "Prometheus", "Evidently", "Feast",
    "Debezium", "Fivetran", "Airbyte", "Dagster", "Prefect", "Ray", "Dask", "ONNX", "TensorRT",
    "vLLM", "OpenAI", "Cohere", "Ollama", "Label Studio", "LinearSVC", "SVM", "Prophet",
    "ARIMA", "k-means", "DBSCAN", "PCA", "UMAP", "t-SNE", "Random Forest", "logistic regression",
    "BM25", "ColBERT", "bge-small-en-v1.5", "e5-large", "all-MiniLM-L6-v2", "Gemini",
    "Claude", "SAM", "Detectron2", "EfficientNet", "MobileNetV3", "GRU", "LSTM", "Transformer",
    "NiFi", "Beam", "Dataflow", "Pub/Sub", "Kinesis", "Lambda", "Cloud Run", "EMR", "Databricks",
    "Hive", "HDFS", "ClickHouse", "Druid", "Pinot", "Neo4j", "GraphSAGE", "node2vec",
    "TF-IDF", "word2vec", "fastText", "SentencePiece", "Tacotron 2", "HiFi-GAN", "Kaldi", "CTC",
)  # fmt: skip

PURPOSES = (
    "spam", "fraud", "churn", "sentiment", "toxicity", "intent", "language", "face", "entity",
    "topic", "demand", "price", "anomaly", "click", "credit risk", "defect", "lead scoring",
    "recommendation", "ranking", "forecast", "quality", "PII", "duplicate", "relevance",
    "speaker", "keyword", "emotion", "tumor", "lane", "pose",
)  # fmt: skip

PROC_ROLES = (
    "job", "model", "classifier", "encoder", "embedder", "crawler", "parser", "tokenizer",
    "vectorizer", "retriever", "reranker", "ranker", "detector", "segmenter", "transcriber",
    "summarizer", "pipeline", "service", "worker", "script", "DAG", "filter", "scorer",
    "generator", "extractor", "validator", "checker", "exporter", "loader", "server",
    "endpoint", "API", "cleaner", "deduplicator", "labeler", "monitor", "scheduler", "trainer",
    "tuner", "operator", "task", "agent", "chain", "consumer", "producer", "connector",
    "notebook", "cron job", "batch job", "microservice",
)  # fmt: skip

# Things that hold data and are drawn as nodes of their own ("X from Kafka").
STORES = (
    "S3 bucket", "S3", "GCS bucket", "Postgres", "Postgres table", "Snowflake", "BigQuery",
    "BigQuery table", "Kafka", "Kafka topic", "Redis cache", "feature store", "data lake",
    "data warehouse", "Delta table", "vector DB", "vector store", "Pinecone index", "FAISS index",
    "MLflow registry", "model registry", "HDFS", "SQLite file", "Google Sheet", "MongoDB",
    "Elasticsearch index", "Iceberg table", "ClickHouse", "Redshift", "Qdrant collection",
    "Feast feature store", "lakehouse", "blob storage", "FTP server", "SharePoint folder",
    "Hive table", "DynamoDB table", "message queue", "RabbitMQ queue", "Kinesis stream",
)  # fmt: skip

DATA_NOUNS = (
    "logs", "events", "transactions", "emails", "documents", "passages", "chunks",
    "embeddings", "vectors", "features", "labels", "predictions", "scores", "images", "frames",
    "audio clips", "transcripts", "spectrograms", "tokens", "records", "rows", "table",
    "reports", "metrics", "alerts", "queries", "answers", "summaries", "captions", "masks",
    "bounding boxes", "checkpoints", "weights", "dataset", "training set", "test set",
    "batches", "tickets", "reviews", "tweets", "invoices", "receipts", "scans", "readings",
    "time series", "forecasts", "clusters", "orders", "sessions", "clicks", "impressions",
    "user profiles", "product catalog", "CSV files", "Parquet files", "JSON files", "PDFs",
    "web pages", "articles", "prompts", "responses", "mart", "snapshot", "dashboard data",
    "feature vectors", "candidates", "recommendations", "entities", "keywords", "topics",
    "phonemes", "mel spectrograms", "waveforms", "subtitles", "translations", "annotations",
    "sensor data", "telemetry", "call recordings", "X-rays", "MRI scans", "videos", "photos",
)  # fmt: skip

DATA_QUALIFIERS = (
    "raw", "clean", "cleaned", "JSON", "CSV", "Parquet", "Avro", "daily", "hourly", "nightly",
    "enriched", "labelled", "labeled", "sparse", "dense", "normalized", "deduplicated", "user",
    "customer", "product", "click", "sensor", "sentence", "image", "text", "audio", "training",
    "validation", "scored", "filtered", "aggregated", "weekly", "historical", "streaming",
    "tokenized", "augmented", "merged", "final", "candidate", "top-k", "ranked", "OCR",
    "spam", "fraud", "churn", "metrics", "order", "payment", "support", "chat", "search",
    "session", "device", "GPS", "ECG", "4K", "128-d", "768-dim",
)  # fmt: skip

# Steps named by what they do, as READMEs chain them ("Chunk → Embed → Store").
ACTIONS = (
    "Ingest", "Clean", "Chunk", "Embed", "Store in Vector DB", "Query", "Retrieve",
    "Generate Answer", "Train", "Evaluate", "Deploy", "Monitor", "Tokenize", "Normalize",
    "Augment", "Label", "Split", "Featurize", "Validate", "Score", "Rerank", "Serve",
    "Export to ONNX", "Preprocess", "Extract", "Transform", "Load", "Deduplicate", "Parse",
    "Index", "Summarize", "Translate", "Transcribe", "Detect", "Classify", "Aggregate",
    "Fine-tune", "Register", "Approve", "Backfill", "Sample", "Annotate", "Filter", "Join",
    "Resize", "Crop", "Quantize", "Benchmark", "Publish", "Notify", "Archive", "Compress",
    "Upload", "Download", "Scrape", "Vectorize", "Cluster", "Forecast", "Alert", "Retrain",
)  # fmt: skip

_SYLLABLES = (
    "Order", "Sync", "Data", "Pump", "Nimbus", "Hermes", "Atlas", "Orion", "Vega", "Pulse",
    "Flux", "Core", "Stream", "Lens", "Forge", "Beacon", "Relay", "Quill", "Nova", "Echo",
    "Iris", "Falcon", "Ledger", "Signal", "Harbor", "Sprout", "Tally", "Zephyr", "Cargo",
)  # fmt: skip


def made_up(rng: random.Random) -> str:
    """Return an internal name nobody has heard of ("OrderSync", "churn_v3", "qa-v2")."""
    roll = rng.random()
    if roll < 0.4:
        return rng.choice(_SYLLABLES) + rng.choice(_SYLLABLES)
    if roll < 0.6:
        return rng.choice(_SYLLABLES)
    stem = rng.choice(PURPOSES + ("qa", "etl", "ranker", "feed", "ads", "search")).split()[0]
    return rng.choice(("{}_v{}", "{}-v{}", "{}{}", "{}-{}")).format(
        stem.lower(), rng.randint(1, 12) if rng.random() < 0.8 else rng.randint(2019, 2026)
    )


def proc_name(rng: random.Random) -> str:
    """Return a processor's name: a tool, a role, often both ("XGBoost fraud model")."""
    roll = rng.random()
    head = made_up(rng) if rng.random() < 0.2 else rng.choice(TOOLS)
    if roll < 0.2:
        return head
    role = rng.choice(PROC_ROLES)
    if roll < 0.55:
        return f"{head} {role}"
    if roll < 0.8:
        return f"{head} {rng.choice(PURPOSES)} {role}"
    return f"{rng.choice(PURPOSES)} {role}"


def data_name(rng: random.Random) -> str:
    """Return a data item's name ("JSON logs", "sparse vectors", "daily metrics mart")."""
    roll = rng.random()
    noun = rng.choice(DATA_NOUNS)
    if roll < 0.3:
        return noun
    if roll < 0.8:
        return f"{rng.choice(DATA_QUALIFIERS)} {noun}"
    if roll < 0.9:
        return f"{rng.choice(TOOLS)} {noun}"
    return f"{rng.choice(DATA_QUALIFIERS)} {rng.choice(DATA_QUALIFIERS)} {noun}"


def store_name(rng: random.Random) -> str:
    """Return a store's name ("Kafka topic", "S3 bucket", "Hermes DB")."""
    if rng.random() < 0.15:
        return f"{made_up(rng)} {rng.choice(('DB', 'store', 'bucket', 'table', 'topic'))}"
    return rng.choice(STORES)


def action_name(rng: random.Random) -> str:
    """Return a step named by what it does ("Chunk", "embed"), as READMEs chain them."""
    action = rng.choice(ACTIONS)
    return action.lower() if rng.random() < 0.4 else action
