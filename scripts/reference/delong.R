# DeLong AUC variance, CI and paired test from pROC (Robin et al. 2011) on aSAH and on seeded data
# sets with ties. Run: Rscript scripts/reference/delong.R (Debian r-cran-proc). Always
# direction = "<" and levels = c(0, 1): Clearance fixes "higher score = positive".
suppressPackageStartupMessages(library(pROC))

args <- commandArgs(trailingOnly = FALSE)
here <- dirname(normalizePath(sub("^--file=", "", args[grep("^--file=", args)])))
out <- file.path(here, "..", "..", "test", "fixtures", "reference", "delong.json")

# Minimal JSON writer: 17 significant digits round-trip doubles; NA/NaN become null.
json <- function(x) {
  if (is.list(x)) {
    keys <- names(x)
    body <- vapply(seq_along(x), function(i) {
      v <- json(x[[i]])
      if (is.null(keys)) v else sprintf("\"%s\":%s", keys[[i]], v)
    }, "")
    open <- if (is.null(keys)) c("[", "]") else c("{", "}")
    return(paste0(open[1], paste(body, collapse = ","), open[2]))
  }
  if (is.character(x)) {
    s <- sprintf("\"%s\"", x)
  } else {
    s <- ifelse(is.na(x) | !is.finite(x), "null", sprintf("%.17g", as.numeric(x)))
  }
  if (length(x) == 1 && is.null(attr(x, "array"))) s else paste0("[", paste(s, collapse = ","), "]")
}
arr <- function(x) structure(x, array = TRUE)

curve <- function(outcome, x) roc(outcome, x, direction = "<", levels = c(0, 1), quiet = TRUE)

single <- function(outcome, x) {
  r <- curve(outcome, x)
  ci95 <- ci.auc(r, method = "delong", conf.level = 0.95)
  ci90 <- ci.auc(r, method = "delong", conf.level = 0.9)
  list(auc = as.numeric(auc(r)), variance = var(r, method = "delong"),
       ci95 = arr(c(ci95[1], ci95[3])), ci90 = arr(c(ci90[1], ci90[3])))
}

paired <- function(outcome, a, b, nameA, nameB, conf = 0.95) {
  t <- roc.test(curve(outcome, a), curve(outcome, b), method = "delong", paired = TRUE,
                conf.level = conf)
  list(a = nameA, b = nameB, confidence = conf, z = unname(t$statistic), p = t$p.value,
       ci = arr(as.numeric(t$conf.int)), aucs = arr(unname(t$estimate)))
}

dataset <- function(name, outcome, columns, pairs) {
  list(name = name, labels = arr(outcome),
       scores = lapply(columns, arr),
       single = lapply(columns, function(x) single(outcome, x)),
       paired = lapply(pairs, function(p) paired(outcome, columns[[p[1]]], columns[[p[2]]], p[1], p[2],
                                                 if (length(p) > 2) as.numeric(p[3]) else 0.95)))
}

data(aSAH)
asah <- dataset("aSAH", as.integer(aSAH$outcome == "Poor"),
                list(wfns = as.numeric(aSAH$wfns), s100b = aSAH$s100b, ndka = aSAH$ndka),
                list(c("wfns", "s100b"), c("wfns", "ndka"), c("ndka", "s100b"), c("s100b", "wfns"),
                     c("ndka", "ndka"), c("wfns", "s100b", "0.9")))

random <- function(seed, n, rate, digits) {
  set.seed(seed)
  y <- rbinom(n, 1, rate)
  latent <- rnorm(n)
  cols <- list(
    a = round(plogis(0.9 * y + latent + rnorm(n, sd = 0.7)), digits),
    b = round(plogis(0.6 * y + latent + rnorm(n, sd = 0.9)), digits),
    c = round(pnorm(0.3 * y + rnorm(n)), digits))
  dataset(sprintf("random-%d", seed), y, cols, list(c("a", "b"), c("a", "c"), c("b", "c"), c("b", "a", "0.9")))
}

sets <- list(asah, random(11, 400, 0.3, 1), random(22, 1500, 0.08, 2), random(33, 2500, 0.5, 2))
cat(json(list(generator = "scripts/reference/delong.R",
              versions = list(R = R.version.string, pROC = as.character(packageVersion("pROC"))),
              sets = sets)), "\n", file = out, sep = "")
cat("wrote", normalizePath(out), file.info(out)$size, "bytes\n")
