# Reference cases for calibrated designs, computed by R's survey package: postStratify(),
# calibrate() with calfun linear (unbounded and bounded), raking and logit, on Taylor designs
# (cluster, stratified, two-stage) and on a JK1 replicate design (every replicate calibrated).
# Usage: Rscript make_cases.R OUTDIR      (writes the CSVs, cases.json and prints everything)
# Shape of cases.json: as ../cases.json (see ../README.md), and the design has a
#   `calibration` object: method (poststratify | raking | linear | logit), bounds ([L, U] or
#   null), population (or null), epsilon, max_iterations, and margins: each either
#   {columns: [...], totals: {level: count}} (categorical; crossed columns' levels joined by
#   ":") or {column, total} (numeric). Population totals are those of data(apipop).
# Convergence: R's grake stops when every |misfit| / (1 + |total|) < epsilon. Raking, logit
#   and bounded linear cases set epsilon = 1e-12 (and maxit = 100) so that R's solution is the
#   converged one to rounding; post-stratification and unbounded linear are closed forms.
# Rows: as domain-rules/make_cases.R (domains as des[sel, ], which for a calibrated design keeps
#   every row with weight zero outside the domain, the calibration not redone: what svyby does).
#   `deff` is R's deff = TRUE of svymean / svytotal (proportions: svymean of the 0/1 condition)
#   and of svyratio.
suppressMessages({ library(survey); library(jsonlite) })
options(digits = 17)
args <- commandArgs(trailingOnly = TRUE)
outdir <- if (length(args) >= 1) args[1] else "."
data(api)
clean <- function(d) { names(d) <- gsub(".", "_", names(d), fixed = TRUE); for (n in names(d)) if (is.factor(d[[n]])) d[[n]] <- as.character(d[[n]]); d }

## ---------------------------------------------------------------- data
write.csv(clean(apiclus1), file.path(outdir, "apiclus1.csv"), row.names = FALSE, na = "")
write.csv(clean(apistrat), file.path(outdir, "apistrat.csv"), row.names = FALSE, na = "")
write.csv(clean(apiclus2), file.path(outdir, "apiclus2.csv"), row.names = FALSE, na = "")
rd <- function(f) read.csv(file.path(outdir, f), stringsAsFactors = FALSE, na.strings = "")
# JK1 replicate weights of the apiclus1 cluster design (combined weights, as ../apiclus1_jk1.csv)
d1 <- rd("apiclus1.csv")
jk <- as.svrepdesign(svydesign(ids = ~dnum, weights = ~pw, fpc = ~fpc, data = d1), type = "JK1", compress = FALSE)
rw <- matrix(as.numeric(unclass(as.matrix(weights(jk, type = "analysis")))), nrow = nrow(d1))
colnames(rw) <- sprintf("repw%03d", seq_len(ncol(rw)))
write.csv(cbind(d1, rw), file.path(outdir, "apiclus1_jk1.csv"), row.names = FALSE, na = "")
jk1 <- list(type = "JK1", weights_prefix = "repw", scale = jk$scale, rscales = I(unname(jk$rscales)), mse = FALSE)

## ---------------------------------------------------------------- population totals (apipop)
pop <- clean(apipop)
N <- nrow(pop)
counts <- function(col) { t <- table(pop[[col]]); as.list(setNames(as.numeric(t), names(t))) }
crossed <- function(a, b) { t <- table(paste(pop[[a]], pop[[b]], sep = ":")); as.list(setNames(as.numeric(t), names(t))) }
cat_m <- function(col, totals) list(columns = I(col), totals = totals)
num_m <- function(col) list(column = col, total = sum(pop[[col]]))

## ---------------------------------------------------------------- helpers
f <- function(x) if (is.null(x)) NULL else as.formula(paste0("~", paste(x, collapse = "+")))
mkdesign <- function(d, spec) {
  if (!is.null(spec$replicate)) {
    r <- spec$replicate
    cols <- grep(paste0("^", r$weights_prefix), names(d), value = TRUE)
    return(svrepdesign(data = d, weights = f(spec$weight), repweights = as.matrix(d[, cols]), type = r$type,
                       scale = r$scale, rscales = unlist(r$rscales), mse = isTRUE(r$mse), combined.weights = TRUE))
  }
  ids <- if (is.null(spec$psu)) ~1 else f(spec$psu)
  svydesign(ids = ids, strata = f(spec$strata), weights = f(spec$weight), fpc = f(spec$fpc), data = d, nest = isTRUE(spec$nest))
}
# the calibration of the JSON design, in R
mkcal <- function(des, cal) {
  if (cal$method == "poststratify") {
    m <- cal$margins[[1]]; cols <- unlist(m$columns)
    lv <- do.call(rbind, strsplit(names(m$totals), ":", fixed = TRUE))
    popdf <- as.data.frame(lv, stringsAsFactors = FALSE); names(popdf) <- cols
    popdf$Freq <- unlist(m$totals)
    return(postStratify(des, f(cols), popdf))
  }
  terms <- c(); totals <- c()
  has_cat <- any(sapply(cal$margins, function(m) !is.null(m$totals)))
  intercept <- !is.null(cal$population) || has_cat
  if (intercept) totals <- c(`(Intercept)` = if (!is.null(cal$population)) cal$population else sum(unlist(cal$margins[[which(sapply(cal$margins, function(m) !is.null(m$totals)))[1]]]$totals)))
  for (m in cal$margins) {
    if (!is.null(m$totals)) {
      col <- unlist(m$columns); stopifnot(length(col) == 1)
      lv <- sort(names(m$totals))
      terms <- c(terms, col)
      totals <- c(totals, setNames(unlist(m$totals[lv[-1]]), paste0(col, lv[-1])))
    } else {
      terms <- c(terms, m$column); totals <- c(totals, setNames(m$total, m$column))
    }
  }
  fml <- as.formula(paste0("~", paste(terms, collapse = "+"), if (intercept) "" else "-1"))
  bounds <- if (is.null(cal$bounds)) c(-Inf, Inf) else unlist(cal$bounds)
  if (inherits(des, "svyrep.design"))   # compress = NA (the default) fails in survey 4.1.1
    return(calibrate(des, fml, totals, calfun = cal$method, bounds = bounds, epsilon = cal$epsilon, maxit = cal$max_iterations, compress = FALSE))
  calibrate(des, fml, totals, calfun = cal$method, bounds = bounds, epsilon = cal$epsilon, maxit = cal$max_iterations)
}
tq <- function(level, df) qt(1 - (1 - level) / 2, df)
# deff of a domain with one row: R's svyvar divides by n - 1 = 0 (and the regression of the
# calibration then fails): no deff (null), as hri reports none for fewer than two rows
safe_deff <- function(expr) tryCatch(num(expr), error = function(e) NA_real_)
num <- function(x) { x <- as.numeric(x); if (length(x) == 0 || is.nan(x)) NA_real_ else x }

run_case <- function(cs) {
  d <- rd(cs$data)
  des <- mkcal(mkdesign(d, cs$design), cs$design$calibration)
  level <- cs$ci$level
  fml <- f(cs$var)
  byv <- unlist(cs$by)
  taylor <- is.null(cs$design$replicate)
  one <- function(dd, bylab) {
    dfd <- degf(dd)
    dfci <- if (identical(cs$ci$df, "design")) dfd else Inf
    wald <- function(est, se, deff = NULL) {
      r <- list(by = bylab, estimate = est, se = se, ci_low = num(est - tq(level, dfci) * se), ci_high = num(est + tq(level, dfci) * se), df = dfd)
      if (!is.null(deff)) r$deff <- num(deff)
      r
    }
    if (cs$stat %in% c("mean", "total")) {
      FUN <- if (cs$stat == "mean") svymean else svytotal
      e <- FUN(fml, dd, na.rm = TRUE)
      list(wald(num(coef(e)), num(SE(e)), if (taylor) safe_deff(deff(FUN(fml, dd, na.rm = TRUE, deff = TRUE)))))
    } else if (cs$stat == "ratio") {
      e <- svyratio(fml, f(cs$denominator), dd, na.rm = TRUE)
      list(wald(num(coef(e)), num(SE(e)), if (taylor) safe_deff(attr(svyratio(fml, f(cs$denominator), dd, na.rm = TRUE, deff = TRUE), "deff"))))
    } else if (cs$stat == "proportion") {
      # svyciprop(method = "mean") = svymean of the 0/1 condition with a Wald interval; its
      # deff is svymean's
      fp <- as.formula(paste0("~I(as.numeric(", cs$r_cond, "))"))
      e <- svyciprop(as.formula(paste0("~I(", cs$r_cond, ")")), dd, method = "mean", level = level, df = dfci, na.rm = TRUE)
      ci <- unname(attr(e, "ci"))
      r <- list(by = bylab, estimate = num(coef(e)), se = num(SE(e)), ci_low = num(ci[1]), ci_high = num(ci[2]), df = dfd)
      if (taylor) r$deff <- num(safe_deff(deff(svymean(fp, dd, na.rm = TRUE, deff = TRUE))))
      list(r)
    } else if (cs$stat == "quantile") {
      e <- svyquantile(fml, dd, quantiles = unlist(cs$probs), ci = TRUE, na.rm = TRUE, alpha = 1 - level,
                       interval.type = "mean", qrule = "math")
      q <- e[[1]]
      lapply(seq_along(unlist(cs$probs)), function(i) list(by = bylab, prob = as.numeric(cs$probs[i]),
        estimate = num(q[i, 1]), se = num(q[i, 4]), ci_low = num(q[i, 2]), ci_high = num(q[i, 3]), df = dfd))
    }
  }
  if (length(byv) == 0) return(one(des, setNames(list(), character(0))))
  keys <- unique(d[, byv, drop = FALSE]); keys <- keys[complete.cases(keys), , drop = FALSE]
  keys <- keys[do.call(order, keys), , drop = FALSE]
  rows <- list()
  for (k in seq_len(nrow(keys))) {
    sel <- rep(TRUE, nrow(d))
    for (b in byv) sel <- sel & !is.na(d[[b]]) & d[[b]] == keys[k, b]
    lab <- lapply(as.list(keys[k, , drop = FALSE]), function(x) x)
    r <- withCallingHandlers(one(des[sel, ], lab), warning = function(w) invokeRestart("muffleWarning"))
    rows <- c(rows, r)
  }
  rows
}

## ---------------------------------------------------------------- designs
S <- function(...) list(...)
CAL <- function(method, margins, population = NULL, bounds = NULL, epsilon = 1e-7, maxit = 50)
  list(method = method, bounds = if (is.null(bounds)) NULL else I(bounds), population = population, epsilon = epsilon, max_iterations = maxit, margins = margins)
tight <- 1e-12
clus1 <- function(cal) S(psu = I("dnum"), strata = NULL, weight = "pw", fpc = I("fpc"), nest = FALSE, lonely_psu = "fail", calibration = cal)
strat <- function(cal) S(psu = NULL, strata = I("stype"), weight = "pw", fpc = I("fpc"), nest = FALSE, lonely_psu = "fail", calibration = cal)
clus2 <- function(cal) S(psu = I(c("dnum", "snum")), strata = NULL, weight = "pw", fpc = I(c("fpc1", "fpc2")), nest = FALSE, lonely_psu = "fail", calibration = cal)
jk1d <- function(cal) S(psu = NULL, strata = NULL, weight = "pw", fpc = NULL, nest = FALSE, lonely_psu = "fail", replicate = jk1, calibration = cal)

ps_stype <- CAL("poststratify", list(cat_m("stype", counts("stype"))), population = N)
ps_cross <- CAL("poststratify", list(cat_m(c("stype", "sch_wide"), crossed("stype", "sch_wide"))))
rake2 <- CAL("raking", list(cat_m("stype", counts("stype")), cat_m("sch_wide", counts("sch_wide"))), epsilon = tight, maxit = 100)
lin_api99 <- CAL("linear", list(num_m("api99")), population = N)
lin_bounded <- CAL("linear", list(cat_m("stype", counts("stype")), num_m("api99")), population = N, bounds = c(0.5, 1.7), epsilon = tight, maxit = 100)
logit2 <- CAL("logit", list(cat_m("stype", counts("stype")), num_m("api99")), population = N, bounds = c(0.7, 1.6), epsilon = tight, maxit = 100)
jk_lin <- CAL("linear", list(cat_m("stype", counts("stype")), num_m("api99")), population = N)
jk_rake <- CAL("raking", list(cat_m("stype", counts("stype")), cat_m("sch_wide", counts("sch_wide"))), epsilon = tight, maxit = 100)

C <- function(id, data, design, stat, var = NULL, by = list(), ci = list(method = "wald", level = 0.95, df = "infinite"), ...)
  c(list(id = id, data = data, design = design, stat = stat, var = var, by = by, where = NULL, ci = ci), list(...))
P <- function(id, data, design, condition, r_cond, by = list())
  list(id = id, data = data, design = design, stat = "proportion", condition = condition, r_cond = r_cond, by = by, where = NULL,
       ci = list(method = "wald", level = 0.95, df = "design"))
Q <- function(id, data, design, var, by = list())
  C(id, data, design, "quantile", var, by = by, ci = list(method = "woodruff", level = 0.95, df = "design"), probs = I(c(0.25, 0.5)))
R <- function(id, data, design, var, denominator, by = list()) C(id, data, design, "ratio", var, by = by, denominator = denominator)
D <- list(method = "wald", level = 0.95, df = "design")

cases <- list()
add <- function(tag, data, design, extra = TRUE) {
  cs <- list(
    C(paste0(tag, "-mean-api00"), data, design, "mean", "api00"),
    C(paste0(tag, "-total-enroll"), data, design, "total", "enroll", ci = D),
    C(paste0(tag, "-mean-api00-by-stype"), data, design, "mean", "api00", by = I("stype")),
    C(paste0(tag, "-mean-api00-by-awards"), data, design, "mean", "api00", by = I("awards")),
    C(paste0(tag, "-total-api00-by-awards-yrrnd"), data, design, "total", "api00", by = I(c("awards", "yr_rnd"))),
    R(paste0(tag, "-ratio-api00-api99-by-awards"), data, design, "api00", "api99", by = I("awards")),
    P(paste0(tag, "-prop-both-by-stype"), data, design, "both = 'Yes'", "both == \"Yes\"", by = I("stype")),
    P(paste0(tag, "-prop-meals50"), data, design, "meals > 50", "meals > 50"))
  if (extra) cs <- c(cs, list(Q(paste0(tag, "-quantile-api00"), data, design, "api00"),
                              Q(paste0(tag, "-quantile-api00-by-awards"), data, design, "api00", by = I("awards"))))
  cases <<- c(cases, cs)
}
add("ps-clus1", "apiclus1.csv", clus1(ps_stype))
add("ps-strat-crossed", "apistrat.csv", strat(ps_cross))
add("rake-strat", "apistrat.csv", strat(rake2))
add("linear-clus1-api99", "apiclus1.csv", clus1(lin_api99))
add("bounded-clus1", "apiclus1.csv", clus1(lin_bounded))
add("logit-clus2", "apiclus2.csv", clus2(logit2))
add("jk1-linear", "apiclus1_jk1.csv", jk1d(jk_lin), extra = FALSE)
add("jk1-raking", "apiclus1_jk1.csv", jk1d(jk_rake), extra = FALSE)

res <- lapply(cases, function(cs) { message(cs$id); cs$rows <- run_case(cs); cs$r_cond <- NULL; cs })

## ---------------------------------------------------------------- checks printed with the output
cat("R:", R.version.string, " survey:", as.character(packageVersion("survey")), "\n\n")
# the g-weights of each calibration: range, and whether bounds bind
for (spec in list(list("ps-clus1", "apiclus1.csv", clus1(ps_stype)), list("ps-strat-crossed", "apistrat.csv", strat(ps_cross)),
                  list("rake-strat", "apistrat.csv", strat(rake2)), list("linear-clus1-api99", "apiclus1.csv", clus1(lin_api99)),
                  list("bounded-clus1", "apiclus1.csv", clus1(lin_bounded)), list("logit-clus2", "apiclus2.csv", clus2(logit2)))) {
  d <- rd(spec[[2]]); des <- mkdesign(d, spec[[3]]); cd <- mkcal(des, spec[[3]]$calibration)
  g <- weights(cd) / weights(des)
  cat(sprintf("%-20s g in [%.6f, %.6f]; rows at a bound: %d\n", spec[[1]], min(g), max(g),
              if (is.null(spec[[3]]$calibration$bounds)) 0L else sum(abs(g - spec[[3]]$calibration$bounds[1]) < 1e-9 | abs(g - spec[[3]]$calibration$bounds[2]) < 1e-9)))
}

verb <- function(x) {
  if (is.list(x)) { a <- attributes(x); y <- lapply(x, verb); attributes(y) <- a; y }
  else if (is.double(x) && !inherits(x, "AsIs") && length(x) == 1) structure(if (is.na(x)) "null" else sprintf("%.17g", x), class = "json")
  else if (is.double(x) && inherits(x, "AsIs")) I(lapply(unclass(x), function(v) structure(sprintf("%.17g", v), class = "json")))
  else x
}
res <- verb(res)
meta <- list(generator = paste0("R ", R.version$major, ".", R.version$minor, ", survey ", as.character(packageVersion("survey"))),
             r_version = R.version.string, survey_version = as.character(packageVersion("survey")), cases = res)
writeLines(toJSON(meta, auto_unbox = TRUE, digits = NA, pretty = TRUE, json_verbatim = TRUE, null = "null", na = "null"), file.path(outdir, "cases.json"))
cat("\nwrote", length(res), "cases to", file.path(outdir, "cases.json"), "\n\n")
for (cs in res) {
  cat("==", cs$id, "\n")
  for (r in cs$rows) cat(" ", paste(unlist(r$by), collapse = "."), if (!is.null(r$prob)) paste0("p=", r$prob) else "",
      "est", format(r$estimate, digits = 17), "se", format(r$se, digits = 17), "df", r$df,
      if (!is.null(r$deff)) paste("deff", format(r$deff, digits = 17)) else "", "\n")
}
